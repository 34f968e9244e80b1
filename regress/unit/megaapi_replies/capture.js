'use strict'
/*
 * Capture real replies from the MEGA emulator (regress/mega/emulator.js)
 * for regress/unit/megaapi_test.c: one file per command, the HTTP body
 * exactly as received.  Re-run after changing the emulator:
 *
 *	node regress/unit/megaapi_replies/capture.js
 *
 * Handles, keys and sids are random per run, so the test checks shapes
 * and lengths, not values.
 */
const { spawn } = require('child_process')
const crypto = require('crypto')
const fs = require('fs')
const path = require('path')
const mega = path.join(__dirname, '..', '..', 'mega')
const mcrypto = require(path.join(mega, 'lib', 'crypto'))

const out = __dirname
let emu = null
let reqid = 1

function start () {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(mega, 'emulator.js'),
      '--listen', '127.0.0.1:0', '--control-port', '0', '--wait-ms', '200'],
    { stdio: ['ignore', 'pipe', 'inherit'] })
    let buf = ''
    p.stdout.on('data', (d) => {
      buf += d
      const u = /listening on (\S+)/.exec(buf)
      const c = /control on (\S+)/.exec(buf)
      if (u && c) resolve({ url: u[1], ctl: c[1], proc: p })
    })
    p.on('exit', (code) => reject(Error('emulator exited ' + code)))
  })
}

async function post (url, body) {
  const r = await fetch(url, { method: 'POST',
    headers: { 'Content-Type': 'application/json' }, body })
  return Buffer.from(await r.arrayBuffer())
}

async function cs (cmds, sid, name) {
  let u = emu.url + 'cs?id=' + (reqid++)
  if (sid) u += '&sid=' + sid
  const b = await post(u, JSON.stringify(cmds))
  if (name) fs.writeFileSync(path.join(out, name + '.json'), b)
  return JSON.parse(b.toString())
}

async function sc (sn, sid, name) {
  const b = await post(emu.url + `sc?sn=${sn}&sid=${sid}&ssl=1`, '')
  if (name) fs.writeFileSync(path.join(out, name + '.json'), b)
  return JSON.parse(b.toString())
}

const fault = (obj) => fetch(emu.ctl + 'faults', { method: 'POST',
  body: JSON.stringify(obj) })

async function main () {
  emu = await start()
  const email = 'v1@test.invalid'
  await cs([{ a: 'us0', user: email }], null, 'us0_v1')
  await cs([{ a: 'us0', user: 'v2@test.invalid' }], null, 'us0_v2')
  const pk = mcrypto.v1PasswordKey(Buffer.from('password-v1'))
  const uh = mcrypto.v1UserHash(pk, email)
  await cs([{ a: 'us', user: email, uh: 'AAAAAAAAAAA' }], null, 'us_enoent')
  const us = (await cs([{ a: 'us', user: email, uh }], null, 'us'))[0]
  /* The sid comes from megajs, which does the RSA work for us. */
  const { Storage } = require(path.join(mega, 'node_modules', 'megajs'))
  const s = new Storage({ email, password: 'password-v1',
    gateway: emu.url, keepalive: false })
  await s.ready
  const sid = s.sid
  if (!us.csid || sid.length !== 58) throw Error('login failed')
  const ug = (await cs([{ a: 'ug' }], sid, 'ug'))[0]
  const f0 = (await cs([{ a: 'f', c: 1 }], sid, 'f_empty'))[0]
  const root = f0.f.find((n) => n.t === 2).h
  const fk = mcrypto.b64enc(crypto.randomBytes(16))
  const at = mcrypto.b64enc(crypto.randomBytes(32))
  const pd = (await cs([{ a: 'p', t: root, n: [{ h: 'xxxxxxxx', t: 1,
    a: at, k: fk }] }], sid, 'p_folder'))[0]
  const drop = pd.f[0].h
  const u = (await cs([{ a: 'u', s: 100, ssl: 2 }], sid, 'u'))[0]
  const tok = await post(u.p + '/0', crypto.randomBytes(100))
  const pf = (await cs([{ a: 'p', t: drop, n: [{ h: mcrypto.b64enc(tok),
    t: 0, a: at, k: mcrypto.b64enc(crypto.randomBytes(32)) }] }], sid,
  'p_file'))[0]
  const file = pf.f[0].h
  await cs([{ a: 'f', c: 1 }], sid, 'f')
  await cs([{ a: 'g', g: 1, ssl: 2, n: file }], sid, 'g')
  await cs([{ a: 'g', g: 1, ssl: 2, n: 'AAAAAAAA' }], sid, 'g_enoent')
  /* sc: behind (packets for the two p), then up to date (w). */
  await sc(f0.sn, sid, 'sc_t')
  const cur = (await cs([{ a: 'f', c: 1 }], sid))[0].sn
  await sc(cur, sid, 'sc_w')
  await cs([{ a: 'a', n: file, at }], sid)
  await sc(cur, sid, 'sc_u')
  const cur2 = (await cs([{ a: 'f', c: 1 }], sid))[0].sn
  await cs([{ a: 'd', n: file }], sid, 'd')
  await sc(cur2, sid, 'sc_d')
  await sc('AAAAAAAAAAA', sid, 'sc_reload')
  /* Batches: several results with an error in place, whole-batch errors. */
  await cs([{ a: 'ug' }, { a: 'g', g: 1, ssl: 2, n: 'AAAAAAAA' },
    { a: 'd', n: drop }], sid, 'batch3')
  await fault({ error: -3, count: 1 })
  await cs([{ a: 'ug' }], sid, 'batch_eagain')
  await cs([{ a: 'ug' }], 'x'.repeat(58), 'batch_esid')
  await fault({ over_quota: true })
  await cs([{ a: 'u', s: 100, ssl: 2 }], sid, 'u_overquota')
  if (!ug.u) throw Error('no ug')
}

main().then(() => {
  emu.proc.kill('SIGTERM')
}, (e) => {
  console.error(e)
  if (emu) emu.proc.kill('SIGTERM')
  process.exit(1)
})
