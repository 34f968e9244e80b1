'use strict'
/*
 * Tests for the MEGA emulator: megajs (an independent client) against
 * it over HTTP and HTTPS, raw protocol checks, every fault kind, and
 * megajs against mega-mock (an independent server) to show the harness
 * agrees with it.  Prints "ok N - ..." lines and "N passed, N failed".
 *
 * usage: node test-megajs.js CERTDIR   (made by mkca.sh; run with
 *        NODE_EXTRA_CA_CERTS=CERTDIR/ca.pem so megajs trusts the test CA)
 */
const { spawn } = require('child_process')
const crypto = require('crypto')
const fs = require('fs')
const os = require('os')
const path = require('path')
require('./webcrypto')
const { Storage } = require('megajs')
const mcrypto = require('./lib/crypto')

const certs = process.argv[2]
const children = []
let passed = 0
let failed = 0
let n = 0

function ok (cond, name, info) {
  n++
  if (cond) {
    passed++
    console.log(`ok ${n} - ${name}`)
  } else {
    failed++
    console.log(`not ok ${n} - ${name}` + (info ? ` # ${info}` : ''))
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/* Start an emulator on a free loopback port; wait for "listening on". */
function startEmulator (extra) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(__dirname, 'emulator.js'),
      '--listen', '127.0.0.1:0', '--control-port', '0', '--wait-ms', '1500',
      ...extra], { stdio: ['ignore', 'pipe', 'inherit'] })
    children.push(p)
    let out = ''
    const t = setTimeout(() => reject(Error('emulator start timeout')), 30000)
    p.stdout.on('data', (d) => {
      out += d
      const u = /listening on (\S+)/.exec(out)
      const c = /control on (\S+)/.exec(out)
      if (u && c) {
        clearTimeout(t)
        resolve({ url: u[1], ctl: c[1], proc: p })
      }
    })
    p.on('exit', (code) => reject(Error('emulator exited ' + code)))
  })
}

async function control (emu, method, what, obj) {
  const r = await fetch(emu.ctl + what, { method,
    body: obj ? JSON.stringify(obj) : undefined })
  return r.json()
}
const faults = (emu, obj) => control(emu, 'POST', 'faults', obj)
const stats = (emu) => control(emu, 'GET', 'stats')

let reqid = 1000
/* One raw cs POST; returns status, text and parsed JSON (or null). */
async function cs (emu, cmds, opt = {}) {
  const q = new URLSearchParams({ id: opt.id || String(reqid++) })
  if (opt.sid) q.set('sid', opt.sid)
  const r = await fetch(emu.url + 'cs?' + q, { method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(cmds) })
  const text = await r.text()
  let json = null
  try { json = JSON.parse(text) } catch (e) {}
  return { status: r.status, text, json }
}

async function login (gateway, email, password, extra) {
  const s = new Storage(Object.assign({ email, password, gateway }, extra))
  s.api.on('error', () => {})   /* sc loop errors end megajs's loop */
  await s.ready
  return s
}

const ACCTS = {
  v1: ['v1@test.invalid', 'password-v1'],
  v2: ['v2@test.invalid', 'password-v2']
}

function waitEvent (emitter, ev, pred, ms) {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(null), ms)
    const fn = (...a) => {
      if (pred && !pred(...a)) return
      clearTimeout(t)
      emitter.removeListener(ev, fn)
      resolve(a)
    }
    emitter.on(ev, fn)
  })
}

async function timed (fn) {
  const t0 = Date.now()
  const r = await fn()
  return [Date.now() - t0, r]
}

/* megajs: login, folders, upload, list, download, sc, delete. */
async function testMegajs (emu, label) {
  const s1 = await login(emu.url, ...ACCTS.v1)
  ok(/^[A-Za-z0-9_-]{11}$/.test(s1.user) && s1.sid.length === 58,
    `${label}: megajs v1 login (user handle, 58-char sid)`)
  const s2 = await login(emu.url, ...ACCTS.v2)
  ok(s2.root && s2.trash && s2.user !== s1.user,
    `${label}: megajs v2 login, roots present`)
  let err = null
  try {
    await login(emu.url, ACCTS.v1[0], 'wrong', { keepalive: false })
  } catch (e) { err = e }
  ok(err && /ENOENT/.test(err.message), `${label}: wrong password is -9`)

  const peer = await login(emu.url, ...ACCTS.v1)
  const a = await s1.mkdir('temp-share')
  const b = await a.mkdir('clawchat-connections')
  const data = crypto.randomBytes(300001)
  const added = waitEvent(peer, 'add', (f) => f.name === 'pending-1.bin',
    10000)
  const f = await b.upload({ name: 'pending-1.bin' }, Buffer.from(data))
    .complete
  const found = s1.root.navigate('temp-share/clawchat-connections')
  ok(found && found.children.some((c) => c.name === 'pending-1.bin' &&
    c.size === data.length), `${label}: folder path, upload and list`)
  const back = await f.downloadBuffer()
  ok(back.equals(data), `${label}: download, MAC verified by megajs`)
  const ev = await added
  ok(ev && ev[0].parent && ev[0].parent.name === 'clawchat-connections',
    `${label}: second session sees the upload through sc`)
  if (ev) {
    const other = await ev[0].downloadBuffer()
    ok(other.equals(data), `${label}: second session downloads it`)
  } else {
    ok(false, `${label}: second session downloads it`)
  }
  const z = await b.upload({ name: 'empty' }, Buffer.alloc(0)).complete
  const zb = await z.downloadBuffer()
  ok(z.size === 0 && zb.length === 0, `${label}: 0-byte file`)
  const renamed = waitEvent(peer, 'update', (x) => x.name === 'renamed',
    10000)
  await z.rename('renamed')
  ok(await renamed, `${label}: rename (a) seen through sc`)
  const moved = waitEvent(peer, 'move', (x) => x.name === 'renamed', 10000)
  await z.moveTo(a)
  ok(await moved, `${label}: move (m) seen through sc`)
  const deleted = waitEvent(peer, 'delete', (x) => x.name === 'pending-1.bin',
    10000)
  await f.delete(true)
  ok(await deleted, `${label}: delete seen through sc`)
  const l = await cs(emu, [{ a: 'f', c: 1 }], { sid: s1.sid })
  ok(!l.json[0].f.some((x) => x.h === f.nodeId) &&
    l.json[0].f.some((x) => x.h === z.nodeId),
    `${label}: deleted file gone from f`)
  await peer.close()
  return { s1, s2, a, data }
}

/* Raw protocol: batching, errors, idempotency, sc/w, transfers. */
async function testRaw (emu, s1) {
  const sid = s1.sid
  const r = await cs(emu, [{ a: 'ug' }, { a: 'f', c: 1 }, { a: 'nosuch' },
    { a: 'g', n: 'AAAAAAAA' }, { a: 'd', n: 'AAAAAAAA' }], { sid })
  ok(r.json.length === 5 && r.json[0].u === s1.user && r.json[1].sn &&
    r.json[2] === -2 && r.json[3] === -9 && r.json[4] === -9,
    'batch of 5: one result each, errors in place')
  const bad = await cs(emu, [{ a: 'ug' }], { sid: 'x'.repeat(58) })
  ok(bad.text === '-15', 'unknown sid: batch-level -15')
  const no = await cs(emu, [{ a: 'ug' }])
  ok(no.json && no.json[0] === -15, 'no sid: ug is -15')
  const us0 = await cs(emu, [{ a: 'us0', user: 'V2@test.invalid' },
    { a: 'us0', user: 'v1@test.invalid' }])
  ok(us0.json[0].v === 2 && mcrypto.b64dec(us0.json[0].s).length === 32 &&
    us0.json[1].v === 1, 'us0: v2 with 32-byte salt, v1')

  const root = r.json[1].f.find((x) => x.t === 2).h
  const key = mcrypto.b64enc(crypto.randomBytes(16))
  const mk = { a: 'p', t: root, n: [{ h: 'xxxxxxxx', t: 1, a: key, k: key },
    { h: 'yyyyyyyy', p: 'xxxxxxxx', t: 1, a: key, k: key }] }
  const st0 = await stats(emu)
  const p1 = await cs(emu, [mk], { sid, id: 'idem-1' })
  const p2 = await cs(emu, [mk], { sid, id: 'idem-1' })
  const tree = await cs(emu, [{ a: 'f', c: 1 }], { sid })
  const mine = tree.json[0].f.filter((x) => x.a === key)
  const st1 = await stats(emu)
  ok(p1.text === p2.text && mine.length === 2 &&
    mine[1].p === mine[0].h &&
    (st1.endpoints.cs_replayed || 0) - (st0.endpoints.cs_replayed || 0) === 1,
    'same id retried: same reply, applied once (nested p)')
  const p3 = await cs(emu, [mk], { sid, id: 'idem-2' })
  ok(p3.text !== p1.text, 'new id: applied again')

  const sn = tree.json[0].sn
  const sc = async (q) => (await fetch(emu.url + 'sc?' +
    new URLSearchParams(q), { method: 'POST' })).json()
  const behind = await sc({ sn, sid, ssl: 0 })
  ok(Array.isArray(behind.a) && behind.a[0].a === 't' && behind.sn !== sn,
    'sc behind: packets and new sn')
  const w = await sc({ sn: behind.sn, sid })
  ok(typeof w.w === 'string' && w.w.startsWith(emu.url.slice(0, -1)),
    'sc up to date: w URL')
  let [ms] = await timed(() => fetch(w.w, { method: 'POST' }))
  ok(ms >= 1300, `wait URL times out (${ms} ms)`)
  const w2 = await sc({ sn: behind.sn, sid })
  const waiting = timed(() => fetch(w2.w))
  await sleep(300)
  await cs(emu, [{ a: 'a', n: mine[0].h, at: key }], { sid })
  ;[ms] = await waiting
  ok(ms < 1200, `wait URL returns on change (${ms} ms)`)
  const upd = await sc({ sn: behind.sn, sid })
  ok(upd.a && upd.a.some((x) => x.a === 'u' && x.n === mine[0].h),
    'sc: u packet for the attribute change')
  ok((await sc({ sn: 'AAAAAAAAAAA', sid })) === -6, 'sc: unknown sn is -6')

  const u = await cs(emu, [{ a: 'u', s: 300000, ssl: 2 }], { sid })
  const up = u.json[0].p
  const post = async (off, len, hdr) => {
    const res = await fetch(up + '/' + off, { method: 'POST',
      body: crypto.randomBytes(len), headers: hdr })
    return [res.status, Buffer.from(await res.arrayBuffer())]
  }
  let [status, body] = await post(1000, 131072)
  ok(status === 200 && body.toString() === '-7', 'upload off boundary: -7')
  ;[status, body] = await post(0, 1000)
  ok(body.toString() === '-7', 'upload not ending on a boundary: -7')
  const stream = new ReadableStream({
    start (c) {
      c.enqueue(new Uint8Array(10))
      c.close()
    }
  })
  const chunked = await fetch(up + '/0', { method: 'POST', duplex: 'half',
    body: stream })
  ok(chunked.status === 411, 'upload without Content-Length refused')
  const parts = [crypto.randomBytes(131072),
    crypto.randomBytes(300000 - 131072)]
  const r2 = await fetch(up + '/131072', { method: 'POST', body: parts[1] })
  const b2 = Buffer.from(await r2.arrayBuffer())
  const r1 = await fetch(up + '/0', { method: 'POST', body: parts[0] })
  const tok = Buffer.from(await r1.arrayBuffer())
  ok(b2.length === 0 && tok.length === 36,
    'out-of-order chunks: token on the completing POST')
  const fk = mcrypto.b64enc(crypto.randomBytes(32))
  const pf = await cs(emu, [{ a: 'p', t: root, n: [{ h: mcrypto.b64enc(tok),
    t: 0, a: key, k: fk }] }], { sid })
  const node = pf.json[0].f[0]
  ok(node.s === 300000 && node.k === s1.user + ':' + fk,
    'p with token: file node, size, owner:key')
  const g = await cs(emu, [{ a: 'g', g: 1, ssl: 2, n: node.h },
    { a: 'g', n: node.h }], { sid })
  ok(g.json[0].s === 300000 && g.json[0].at === key &&
    /^http/.test(g.json[0].g) && g.json[1].g === undefined,
    'g: size, attributes, URL only with g:1')
  const all = Buffer.concat(parts)
  const rr = await fetch(g.json[0].g + '/131072-262143')
  const rb = Buffer.from(await rr.arrayBuffer())
  ok(rr.status === 200 && rb.equals(all.subarray(131072, 262144)),
    'download /start-end, end inclusive')
  const hr = await fetch(g.json[0].g, { headers: { Range: 'bytes=10-19' } })
  const hb = Buffer.from(await hr.arrayBuffer())
  ok(hr.status === 206 && hb.equals(all.subarray(10, 20)),
    'download with a Range header: 206')
  const reuse = await cs(emu, [{ a: 'p', t: root, n: [{
    h: mcrypto.b64enc(tok), t: 0, a: key, k: fk }] }], { sid })
  ok(reuse.json[0] === -9, 'a completion token is single use')
}

/* Each fault on and off, with its documented effect. */
async function testFaults (emu) {
  const s = await login(emu.url, ...ACCTS.v1, { keepalive: false })
  const sid = s.sid
  const ug = () => cs(emu, [{ a: 'ug' }], { sid })

  await faults(emu, { error: -3, count: 2 })
  const seq = [await ug(), await ug(), await ug()]
  ok(seq[0].text === '-3' && seq[1].text === '-3' && Array.isArray(seq[2].json),
    'error -3 twice, then success')
  await faults(emu, { error: -3, count: 1 })
  const [ms, info] = await timed(() => s.getAccountInfo())
  ok(info && ms >= 1900, `megajs retries -3 and succeeds (${ms} ms)`)
  for (const code of [-4, -15, -18]) {
    await faults(emu, { error: code })
    const a = await ug()
    const b = await ug()
    ok(a.text === String(code) && Array.isArray(b.json),
      `batch-level ${code} once`)
  }
  await faults(emu, { error: -18, command: 'g', count: 1 })
  const pc = await cs(emu, [{ a: 'ug' }, { a: 'g', n: 'AAAAAAAA' }], { sid })
  ok(pc.json[0].u && pc.json[1] === -18, 'per-command -18 in its slot')
  await faults(emu, { error: -3, count: 1, endpoint: 'sc' })
  const scr = await (await fetch(emu.url + 'sc?sn=x&sid=' + sid,
    { method: 'POST' })).text()
  ok(scr === '-3', 'error on sc endpoint')

  await faults(emu, { latency_ms: 300 })
  const [slow] = await timed(ug)
  await faults(emu, { latency_ms: 0 })
  const [fast] = await timed(ug)
  ok(slow >= 300 && fast < 300, `latency ${slow} ms on, ${fast} ms off`)

  await faults(emu, { http500: 1 })
  const h1 = await ug()
  const h2 = await ug()
  ok(h1.status === 500 && h2.status === 200, 'http500 once')

  for (const kind of ['drop', 'drop_after', 'truncate']) {
    await faults(emu, { [kind]: 1 })
    let e = null
    try { await ug() } catch (x) { e = x }
    const after = await ug()
    ok(e !== null && Array.isArray(after.json), `${kind} once, then normal`)
  }
  await faults(emu, { corrupt: 1 })
  const c1 = await ug()
  const c2 = await ug()
  ok(c1.json === null && !/^[[-]/.test(c1.text) && Array.isArray(c2.json),
    'corrupt cs reply once')

  const f = await s.upload({ name: 'c.bin' },
    crypto.randomBytes(70000)).complete
  await faults(emu, { corrupt: 1, endpoint: 'download' })
  let merr = null
  try { await f.downloadBuffer({ maxConnections: 1 }) } catch (e) { merr = e }
  ok(merr && /MAC/.test(merr.message), 'corrupt download: megajs MAC fails')

  await faults(emu, { rate_limit: { per_sec: 5 } })
  const burst = await Promise.all(Array.from({ length: 20 }, ug))
  const limited = burst.filter((x) => x.text === '-4').length
  await faults(emu, { rate_limit: null })
  const burst2 = await Promise.all(Array.from({ length: 20 }, ug))
  ok(limited >= 10 && limited <= 16 && burst2.every((x) => x.text !== '-4'),
    `rate limit 5/s: ${limited} of 20 got -4; off: none`)

  await faults(emu, { sc_reload: 1 })
  const sn = (await cs(emu, [{ a: 'f', c: 1 }], { sid })).json[0].sn
  const rl = await (await fetch(emu.url + `sc?sn=${sn}&sid=${sid}`,
    { method: 'POST' })).text()
  ok(rl === '-6', 'sc_reload: sc answers -6')

  await faults(emu, { block_account: 'v1@test.invalid' })
  const blk = await ug()
  let lerr = null
  try {
    await login(emu.url, ...ACCTS.v1, { keepalive: false })
  } catch (e) { lerr = e }
  await faults(emu, { unblock_account: 'v1@test.invalid' })
  ok(blk.text === '-16' && lerr && /EBLOCKED/.test(lerr.message) &&
    Array.isArray((await ug()).json), 'block_account: -16, then unblocked')

  await faults(emu, { over_quota: true })
  const q = await cs(emu, [{ a: 'u', s: 10 }], { sid })
  const g = await cs(emu, [{ a: 'g', g: 1, n: f.nodeId }], { sid })
  const dl = await fetch(g.json[0].g + '/0-9')
  await faults(emu, { over_quota: false })
  const q2 = await cs(emu, [{ a: 'u', s: 10 }], { sid })
  ok(q.json[0] === -17 && dl.status === 509 &&
    dl.headers.get('x-mega-time-left') && q2.json[0].p,
    'over_quota: u -17, download 509 with X-MEGA-Time-Left; then off')

  await faults(emu, { hashcash: 255 })
  const hc = await fetch(emu.url + 'cs?id=1', { method: 'POST',
    body: '[{"a":"us","user":"v2@test.invalid","uh":"x"}]' })
  const s3 = await login(emu.url, ...ACCTS.v2, { keepalive: false })
  const hst = await stats(emu)
  await faults(emu, { hashcash: false })
  ok(hc.status === 402 && /^1:255:/.test(hc.headers.get('x-hashcash')) &&
    s3.user && hst.injected.hashcash >= 2,
    'hashcash 402: megajs solves it and logs in')

  await faults(emu, { expire_sessions: true })
  ok((await ug()).text === '-15', 'expire_sessions: old sid is -15')

  /* A megajs session that idles must not spin on sc. */
  const idle = await login(emu.url, ...ACCTS.v2)
  await sleep(500)
  await control(emu, 'DELETE', 'stats')
  await sleep(3200)
  const is = await stats(emu)
  await idle.close()
  ok((is.endpoints.sc || 0) <= 4 && (is.endpoints.cs || 0) === 0,
    `idle megajs: ${is.endpoints.sc} sc polls in 3.2 s, no cs`)
  const st = await stats(emu)
  ok(typeof st.commands === 'object' && st.endpoints.sc >= 1,
    'GET /stats counts per endpoint and command')
}

/* HTTPS: trusted through NODE_EXTRA_CA_CERTS; the rogue cert refused. */
async function testTls () {
  const good = await startEmulator(['--tls', path.join(certs, 'server.pem'),
    path.join(certs, 'server.key')])
  const s = await login(good.url, ...ACCTS.v2)
  const data = crypto.randomBytes(5000)
  const f = await s.upload({ name: 't' }, Buffer.from(data)).complete
  const back = await f.downloadBuffer()
  ok(good.url.startsWith('https://') && back.equals(data),
    'HTTPS with the test CA: login, upload, download')
  await s.close()
  const rogue = await startEmulator(['--tls', path.join(certs, 'rogue.pem'),
    path.join(certs, 'rogue.key')])
  let err = null
  try {
    await login(rogue.url, ...ACCTS.v2, { keepalive: false })
  } catch (e) { err = e }
  const code = err && err.cause && err.cause.code
  ok(err && /CERT|SELF_SIGNED|VERIFY/.test(String(code)),
    `HTTPS with a certificate not from the CA refused (${code})`)
}

/* megajs against mega-mock, the independent server (megaproto.md 9). */
async function testMock () {
  const megamock = require('mega-mock')
  const users = require('mega-mock/cli/preloaded-users.json')
  ok(mcrypto.v1UserHash(mcrypto.v1PasswordKey('mock'), 'mock@test') in users,
    'our v1 derivation matches mega-mock\'s preloaded account')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'megamock-'))
  const server = megamock({ dataFolder: dir })
  for (const [u, d] of Object.entries(users)) server.state.loginData.set(u, d)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const gw = `http://127.0.0.1:${server.address().port}/`
  try {
    const s = await login(gw, 'mock@test', 'mock')
    const d = await s.mkdir('drop')
    const data = crypto.randomBytes(200000)
    const f = await d.upload({ name: 'm.bin' }, Buffer.from(data)).complete
    const back = await f.downloadBuffer()
    ok(s.sid.startsWith('jCf2Pc0pLCU_megamock') && back.equals(data),
      'mega-mock: megajs login, mkdir, upload, download')
    const r = await f.delete(true)
    const fresh = await login(gw, 'mock@test', 'mock', { keepalive: false })
    const drop = fresh.root.navigate('drop')
    ok(drop && drop.children.length === 0 && typeof r === 'object',
      'mega-mock: delete (the mock answers {} where MEGA answers 0)')
  } finally {
    server.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

async function main () {
  const emu = await startEmulator([])
  const { s1, s2 } = await testMegajs(emu, 'http')
  await testRaw(emu, s1)
  await s1.close()
  await s2.close()
  await testFaults(await startEmulator([]))
  await testTls()
  await testMock()
}

function finish (code) {
  for (const c of children) {
    c.removeAllListeners('exit')
    if (c.exitCode === null) c.kill('SIGTERM')
  }
  console.log(`${passed} passed, ${failed} failed`)
  process.exit(code || (failed ? 1 : 0))
}

process.on('unhandledRejection', (e) => {
  ok(false, 'unexpected error', e && e.stack)
  finish(1)
})
main().then(() => finish(0), (e) => {
  ok(false, 'test aborted', e && e.stack)
  finish(1)
})
