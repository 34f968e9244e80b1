'use strict'
/*
 * The emulator's state: accounts, sessions, each account's node tree
 * and stored ciphertext, its action-packet log with the sequence number
 * (sn), and the tables that tie upload, download and wait URLs to it.
 * Everything lives in memory; --state-dir saves it on exit.
 */
const fs = require('fs')
const path = require('path')
const mcrypto = require('./crypto')

const LOG_MAX = 1000          /* action packets kept for sc catch-up */
const IDEM_MAX = 4096         /* replies remembered for id retries */

const DEFAULT_ACCOUNTS = [
  { email: 'v1@test.invalid', password: 'password-v1', version: 1 },
  { email: 'v2@test.invalid', password: 'password-v2', version: 2 }
]

class Account {
  constructor (secrets) {
    Object.assign(this, secrets)
    this.nodes = new Map()     /* handle -> node, in wire form */
    this.data = new Map()      /* file handle -> ciphertext */
    this.snEpoch = mcrypto.handle(2)
    this.seq = 0
    this.log = []              /* [{ seq, packets }] */
    this.waiters = new Set()   /* callbacks woken on the next change */
    const ts = now()
    for (const t of [2, 3, 4]) {
      const h = this.newHandle()
      this.nodes.set(h, { h, p: '', u: this.userHandle, t, a: '', k: '',
        ts })
    }
  }

  newHandle () {
    let h
    do h = mcrypto.handle(6); while (this.nodes.has(h))
    return h
  }

  /* sn is 8 opaque bytes: a per-start epoch, then the sequence. */
  sn () {
    const b = Buffer.alloc(8)
    Buffer.from(this.snEpoch, 'base64url').copy(b)
    b.writeUIntBE(this.seq, 2, 6)
    return mcrypto.b64enc(b)
  }

  /* Sequence number named by an sn string; -1 if not one of ours. */
  parseSn (sn) {
    const b = mcrypto.b64dec(sn)
    if (b === null || b.length !== 8) return -1
    if (mcrypto.b64enc(b.subarray(0, 2)) !== this.snEpoch) return -1
    const seq = b.readUIntBE(2, 6)
    return seq <= this.seq ? seq : -1
  }

  /* Record one change's packets and wake everyone waiting on sc. */
  emit (packets) {
    this.seq++
    this.log.push({ seq: this.seq, packets })
    if (this.log.length > LOG_MAX) this.log.shift()
    const w = [...this.waiters]
    this.waiters.clear()
    for (const fn of w) fn()
  }

  /* Packets after seq, or null if the log no longer reaches back. */
  packetsSince (seq) {
    if (this.log.length > 0 && this.log[0].seq > seq + 1) return null
    const out = []
    for (const e of this.log) {
      if (e.seq > seq) out.push(...e.packets)
    }
    return out
  }

  root (t) {
    for (const n of this.nodes.values()) if (n.t === t) return n
    return null
  }

  /* The node and all its descendants, parents before children. */
  subtree (h) {
    const out = [this.nodes.get(h)]
    for (let i = 0; i < out.length; i++) {
      for (const n of this.nodes.values()) {
        if (n.p === out[i].h) out.push(n)
      }
    }
    return out
  }

  usedBytes () {
    let s = 0
    for (const d of this.data.values()) s += d.length
    return s
  }
}

class Store {
  constructor () {
    this.accounts = new Map()   /* e-mail -> Account */
    this.sessions = new Map()   /* sid -> Account */
    this.uploads = new Map()    /* upload id -> upload */
    this.tokens = new Map()     /* completion token -> { account, data } */
    this.downloads = new Map()  /* download id -> { account, h } */
    this.idem = new Map()       /* sid|id -> reply body */
  }

  addAccount (spec) {
    const a = new Account(mcrypto.makeAccount(spec))
    a.maxSessions = spec.maxSessions || 0
    this.accounts.set(a.email, a)
    return a
  }

  loadAccounts (file) {
    const list = file ? JSON.parse(fs.readFileSync(file, 'utf8'))
      : DEFAULT_ACCOUNTS
    for (const spec of list) this.addAccount(spec)
  }

  login (account) {
    const s = mcrypto.newSession(account.userHandle, account.rsa)
    this.sessions.set(s.sid, account)
    return s
  }

  expireSessions () {
    this.sessions.clear()
  }

  /* The server's clock runs s seconds off: new nodes look older. */
  setClock (s) {
    clockS = s
  }

  idemGet (key) {
    return this.idem.get(key)
  }

  idemPut (key, body) {
    this.idem.set(key, body)
    if (this.idem.size > IDEM_MAX) {
      this.idem.delete(this.idem.keys().next().value)
    }
  }

  /*
   * Persistence: nodes and ciphertext per account.  Keys and sessions
   * are regenerated from the account file at each start, so only
   * accounts with a fixed masterKey can read their old files.
   */
  save (dir) {
    const out = {}
    for (const a of this.accounts.values()) {
      out[a.email] = {
        nodes: [...a.nodes.values()],
        data: [...a.data].map(([h, d]) => [h, d.toString('base64')])
      }
    }
    fs.mkdirSync(dir, { recursive: true })
    const tmp = path.join(dir, 'state.json.tmp')
    fs.writeFileSync(tmp, JSON.stringify(out))
    fs.renameSync(tmp, path.join(dir, 'state.json'))
  }

  restore (dir) {
    let saved
    try {
      saved = JSON.parse(fs.readFileSync(path.join(dir, 'state.json')))
    } catch (e) {
      return
    }
    for (const [email, st] of Object.entries(saved)) {
      const a = this.accounts.get(email)
      if (!a) continue
      a.nodes = new Map(st.nodes.map((n) => [n.h, n]))
      a.data = new Map(st.data.map(([h, d]) => [h, Buffer.from(d,
        'base64')]))
    }
  }
}

let clockS = 0

/* The server's time in seconds, as it stamps nodes and packets. */
function now () {
  return Math.floor(Date.now() / 1000) + clockS
}

module.exports = { Store, now }
