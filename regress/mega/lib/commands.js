'use strict'
/*
 * The cs endpoint: POST /cs?id=<reqid>[&sid=<sid>] with a JSON array of
 * commands, answered by an array of per-command results or by one bare
 * error code for the whole batch (docs/megaproto.md 2.1).  A batch that
 * was answered is remembered under (sid, id), so a retry with the same
 * id gets the same bytes and applies nothing twice.
 */
const crypto = require('crypto')
const mcrypto = require('./crypto')
const { now } = require('./store')

const EARGS = -2
const ETOOMANY = -6
const ENOENT = -9
const ECIRCULAR = -10
const EACCESS = -11
const ESID = -15
const EBLOCKED = -16
const EOVERQUOTA = -17

const QUOTA = 20 * 1024 * 1024 * 1024

/* Commands that work without a session. */
const ANONYMOUS = new Set(['us0', 'us'])

function isB64 (s, lens) {
  const b = mcrypto.b64dec(s)
  if (b === null || b.length === 0) return false
  return lens ? lens.includes(b.length) : true
}

/* Copy of a node for a reply, so later changes do not alias it. */
function wire (n) {
  return Object.assign({}, n)
}

const COMMANDS = {
  /* Prelogin: which derivation, and the v2 salt. */
  us0 (ctx, c) {
    if (typeof c.user !== 'string') return EARGS
    const a = ctx.store.accounts.get(c.user.toLowerCase())
    /* Unknown users look like v1 users, so us0 does not tell them apart. */
    if (!a || a.version === 1) return { v: 1 }
    return { v: 2, s: a.salt }
  },

  /* Login; or, with a session and no credentials, a session resume. */
  us (ctx, c, acct) {
    if (c.user === undefined && c.uh === undefined && acct) {
      return { k: acct.k, privk: acct.privk, u: acct.userHandle }
    }
    if (typeof c.user !== 'string' || typeof c.uh !== 'string') {
      return EARGS
    }
    const a = ctx.store.accounts.get(c.user.toLowerCase())
    if (!a || a.loginHash !== c.uh) return ENOENT
    if (ctx.faults.blocked.has(a.email)) return EBLOCKED
    if (a.maxSessions && countSessions(ctx.store, a) >= a.maxSessions) {
      return ETOOMANY
    }
    const s = ctx.store.login(a)
    return { csid: s.csid, k: a.k, privk: a.privk, u: a.userHandle, ach: 1 }
  },

  ug (ctx, c, acct) {
    return {
      u: acct.userHandle,
      s: 0,
      email: acct.email,
      name: acct.name,
      k: acct.k,
      c: 1,
      ts: acct.root(2).ts,
      since: acct.root(2).ts
    }
  },

  uq (ctx, c, acct) {
    return {
      utype: 0,
      cstrg: acct.usedBytes(),
      mstrg: QUOTA,
      mxfer: QUOTA,
      caxfer: 0,
      csxfer: 0
    }
  },

  /* The whole tree, and the sn from which sc carries on. */
  f (ctx, c, acct) {
    return {
      f: [...acct.nodes.values()].map(wire),
      ok: [],
      s: [],
      u: [{ u: acct.userHandle, c: 2, m: acct.email }],
      sn: acct.sn()
    }
  },

  /* Put nodes: folders (placeholder h) and files (h = upload token). */
  p (ctx, c, acct, req) {
    if (typeof c.t !== 'string' || !Array.isArray(c.n) || c.n.length === 0) {
      return EARGS
    }
    const placeholders = new Map()   /* placeholder -> new handle */
    const created = []
    const tokens = []
    for (const n of c.n) {
      if (typeof n !== 'object' || n === null) return EARGS
      if (n.t !== 0 && n.t !== 1) return EARGS
      if (!isB64(n.a) || !isB64(n.k, n.t === 0 ? [32] : [16])) return EARGS
      if (typeof n.h !== 'string') return EARGS
      let ph = typeof n.p === 'string' ? n.p : c.t
      if (placeholders.has(ph)) ph = placeholders.get(ph)
      const parent = acct.nodes.get(ph) ||
        created.find((x) => x.h === ph)
      if (!parent) return ENOENT
      if (parent.t === 0) return EARGS
      const node = {
        h: acct.newHandle(),
        p: ph,
        u: acct.userHandle,
        t: n.t,
        a: n.a,
        k: acct.userHandle + ':' + n.k,
        ts: now()
      }
      while (created.some((x) => x.h === node.h)) node.h = acct.newHandle()
      if (n.t === 0) {
        const tok = ctx.store.tokens.get(n.h)
        if (!tok || tok.account !== acct) return ENOENT
        if (ctx.faults.overQuota) return EOVERQUOTA
        node.s = tok.data.length
        if (typeof n.fa === 'string') node.fa = n.fa
        tokens.push([n.h, node.h, tok.data])
      } else {
        placeholders.set(n.h, node.h)
      }
      created.push(node)
    }
    /* Everything checked: now apply. */
    for (const node of created) acct.nodes.set(node.h, node)
    for (const [tok, h, data] of tokens) {
      ctx.store.tokens.delete(tok)
      acct.data.set(h, data)
    }
    const pkt = { a: 't', t: { f: created.map(wire) }, ou: acct.userHandle }
    if (typeof c.i === 'string') pkt.i = c.i
    acct.emit([pkt])
    return { f: created.map(wire) }
  },

  /* Upload URL for a file of s bytes. */
  u (ctx, c, acct, req) {
    if (!Number.isSafeInteger(c.s) || c.s < 0) return EARGS
    if (ctx.faults.overQuota || acct.usedBytes() + c.s > QUOTA) {
      return EOVERQUOTA
    }
    const id = mcrypto.handle(12)
    ctx.store.uploads.set(id, { id, account: acct, size: c.s,
      pieces: new Map(), token: null })
    return { p: ctx.baseUrl(req) + '/ul/' + id }
  },

  /* Download info, and with g:1 a URL; ssl:2 asks for https. */
  g (ctx, c, acct, req) {
    if (typeof c.n !== 'string') return typeof c.p === 'string' ? ENOENT
      : EARGS
    const n = acct.nodes.get(c.n)
    if (!n || n.t !== 0) return ENOENT
    const r = { s: n.s, at: n.a, msd: 1, tl: 0 }
    if (n.fa) r.fa = n.fa
    if (c.g) {
      const id = mcrypto.handle(12)
      ctx.store.downloads.set(id, { account: acct, h: n.h })
      r.g = ctx.baseUrl(req) + '/dl/' + id
    }
    return r
  },

  /* Delete a node and its subtree for good. */
  d (ctx, c, acct) {
    const n = typeof c.n === 'string' ? acct.nodes.get(c.n) : null
    if (!n) return ENOENT
    if (n.t >= 2) return EACCESS
    for (const x of acct.subtree(n.h)) {
      acct.nodes.delete(x.h)
      acct.data.delete(x.h)
    }
    const pkt = { a: 'd', n: n.h, ou: acct.userHandle }
    if (typeof c.i === 'string') pkt.i = c.i
    acct.emit([pkt])
    return 0
  },

  /* Move: a d packet marked m:1, then t with the node's new place. */
  m (ctx, c, acct) {
    if (typeof c.n !== 'string' || typeof c.t !== 'string') return EARGS
    const n = acct.nodes.get(c.n)
    const t = acct.nodes.get(c.t)
    if (!n || !t) return ENOENT
    if (n.t >= 2) return EACCESS
    if (t.t === 0) return EARGS
    const sub = acct.subtree(n.h)
    if (sub.includes(t)) return ECIRCULAR
    n.p = t.h
    const d = { a: 'd', n: n.h, ou: acct.userHandle, m: 1 }
    const tp = { a: 't', t: { f: sub.map(wire) }, ou: acct.userHandle }
    if (typeof c.i === 'string') d.i = tp.i = c.i
    acct.emit([d, tp])
    return 0
  },

  /* Set attributes, encrypted by the client with the node's key. */
  a (ctx, c, acct) {
    const n = typeof c.n === 'string' ? acct.nodes.get(c.n) : null
    if (!n) return ENOENT
    if (n.t >= 2) return EACCESS
    if (!isB64(c.at)) return EARGS
    n.a = c.at
    const pkt = { a: 'u', n: n.h, u: n.u, at: n.a, ts: now() }
    if (typeof c.i === 'string') pkt.i = c.i
    acct.emit([pkt])
    return 0
  },

  /* Logout: the sid stops working. */
  sml (ctx, c, acct, req, sid) {
    ctx.store.sessions.delete(sid)
    return 0
  }
}

function countSessions (store, a) {
  let n = 0
  for (const x of store.sessions.values()) if (x === a) n++
  return n
}

function runCommand (ctx, acct, sid, c, req) {
  if (typeof c !== 'object' || c === null || typeof c.a !== 'string') {
    return EARGS
  }
  ctx.faults.count('commands', c.a)
  const injected = ctx.faults.takeError('cs', c.a)
  if (injected) return injected
  if (!Object.prototype.hasOwnProperty.call(COMMANDS, c.a)) return EARGS
  if (!acct && !ANONYMOUS.has(c.a)) return ESID
  return COMMANDS[c.a](ctx, c, acct, req, sid)
}

/*
 * Hashcash (docs/megaproto.md 2.4): while switched on, a login request
 * without a solved challenge gets 402 and a fresh one.  True if it may
 * proceed.
 */
function hashcashGate (ctx, req, res) {
  const e = ctx.faults.hashcash
  if (e === null) return true
  const hdr = req.headers['x-hashcash']
  if (typeof hdr === 'string') {
    const [v, tok, nonce] = hdr.split(':')
    const issued = ctx.hashcash.get(tok)
    const t = mcrypto.b64dec(tok || '')
    const nb = mcrypto.b64dec(nonce || '')
    if (v === '1' && issued !== undefined && t && nb &&
        mcrypto.hashcashCheck(t, nb, issued)) {
      ctx.hashcash.delete(tok)
      return true
    }
  }
  const tok = mcrypto.b64enc(crypto.randomBytes(48))
  ctx.hashcash.set(tok, e)
  ctx.faults.count('injected', 'hashcash')
  res.writeHead(402, { 'X-Hashcash': `1:${e}:${now()}:${tok}`,
    'Content-Length': 0 })
  res.end()
  return false
}

async function handleCs (ctx, req, res, url, body) {
  const send = (obj) => ctx.faults.send('cs', req, res, 200,
    { 'Content-Type': 'application/json' }, JSON.stringify(obj))
  if (req.method !== 'POST') return send(EARGS)
  let cmds
  try {
    cmds = JSON.parse(body.toString('utf8'))
  } catch (e) {
    return send(EARGS)
  }
  if (!Array.isArray(cmds)) return send(EARGS)
  /* Proof of work is asked for logins, as the SDK describes it. */
  if (cmds.some((c) => c && c.a === 'us') && !hashcashGate(ctx, req, res)) {
    return
  }
  if (ctx.faults.rateLimited()) return send(-4)
  const batchErr = ctx.faults.takeError('cs', null)
  if (batchErr) return send(batchErr)
  const sid = url.searchParams.get('sid')
  const id = url.searchParams.get('id')
  let acct = null
  if (sid !== null) {
    acct = ctx.store.sessions.get(sid)
    if (!acct) return send(ESID)
    if (ctx.faults.blocked.has(acct.email)) return send(EBLOCKED)
  }
  const key = (sid || '') + '|' + id
  if (id !== null) {
    const prev = ctx.store.idemGet(key)
    if (prev !== undefined) {
      ctx.faults.count('endpoints', 'cs_replayed')
      return ctx.faults.send('cs', req, res, 200,
        { 'Content-Type': 'application/json' }, prev)
    }
  }
  const results = cmds.map((c) => runCommand(ctx, acct, sid, c, req))
  const out = JSON.stringify(results)
  if (id !== null) ctx.store.idemPut(key, out)
  return ctx.faults.send('cs', req, res, 200,
    { 'Content-Type': 'application/json' }, out)
}

module.exports = { handleCs }
