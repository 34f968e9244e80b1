#!/usr/bin/env node
'use strict'
/*
 * Known-answer vectors for regress/unit/megacrypto_test.c, computed with
 * code independent of crypto/megacrypto.c: megajs 1.3.10's own crypto
 * (its internal functions, loaded from its dist file), Node's crypto
 * module where megajs has no such function, and the emulator's account
 * maker (regress/mega/lib/crypto.js) for fresh accounts.
 *
 * usage: node regress/unit/megacrypto_vectors.js > vectors.h
 *            prints C constants for pasting into megacrypto_test.c
 *        node regress/unit/megacrypto_vectors.js --verify FILE
 *            FILE holds a 64-hex-digit node key K on its first line and
 *            the ciphertext in hex on the second (megacrypto_test -w
 *            writes it); megajs decrypts and MAC-checks it.
 *
 * The emulator accounts get a fresh RSA key on every run, so that block
 * differs between runs; every run's output is a valid vector set.
 */
const fs = require('fs')
const path = require('path')
const crypto = require('crypto')
const Module = require('module')

const megaDir = path.join(__dirname, '..', 'mega')
const distFile = path.join(megaDir, 'node_modules', 'megajs', 'dist',
  'main.node-cjs.js')
const emu = require(path.join(megaDir, 'lib', 'crypto.js'))

/* megajs exports only encrypt/decrypt/verify: expose its internals. */
function loadMegajs () {
  let src = fs.readFileSync(distFile, 'utf8')
  const tail = 'module.exports = mega;'
  if (!src.includes(tail)) throw Error('unexpected megajs dist file')
  src = src.replace(tail, 'module.exports = { mega, prepareKey, ' +
    'prepareKeyV2, AES, MAC, cryptoDecodePrivKey, cryptoRsaDecrypt, ' +
    'generateHashcashToken, e64, d64, unmergeKeyMac, getCipher, ' +
    'MutableFile: mutable_file_default, File: file_default };')
  const m = new Module(distFile, module)
  m.filename = distFile
  m.paths = Module._nodeModulePaths(path.dirname(distFile))
  m._compile(src, distFile)
  return m.exports
}
const mj = loadMegajs()

function seq (n, mul, add) {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (i * mul + add) & 0xff
  return b
}

const out = []
/* C string literal pieces: escapes never split, non-ASCII as octal. */
function str (name, v) {
  const toks = []
  for (const c of Buffer.from(String(v), 'utf8')) {
    if (c === 0x22 || c === 0x5c) toks.push('\\' + String.fromCharCode(c))
    else if (c < 0x20 || c > 0x7e) toks.push('\\' + c.toString(8))
    else toks.push(String.fromCharCode(c))
  }
  const lines = []
  let cur = ''
  for (const t of toks) {
    if (cur.length + t.length > 64) { lines.push(cur); cur = '' }
    cur += t
  }
  lines.push(cur)
  out.push(`static const char ${name}[] =`)
  lines.forEach((l, i) =>
    out.push(`    "${l}"${i === lines.length - 1 ? ';' : ''}`))
}
function hex (name, b) { str(name, Buffer.from(b).toString('hex')) }
function num (name, v) { out.push(`#define ${name}\t${v}`) }
function comment (s) {
  const words = s.split(' ')
  const lines = []
  let cur = '/*'
  for (const w of words) {
    if (cur.length + w.length + 1 > 72) { lines.push(cur); cur = ' *' }
    cur += ' ' + w
  }
  if (lines.length === 0) {
    out.push('', cur + ' */')
  } else {
    lines.push(cur, ' */')
    out.push('', ...lines)
  }
}

function encryptMegajs (key24, plain) {
  return new Promise((resolve, reject) => {
    const s = mj.mega.encrypt(key24)
    const parts = []
    s.on('data', (d) => parts.push(d))
    s.on('error', reject)
    s.on('end', () => resolve({ ct: Buffer.concat(parts), key: s.key }))
    /* megajs encrypts its input in place: give it a copy. */
    s.end(Buffer.from(plain))
  })
}

function decryptMegajs (key32, ct) {
  return new Promise((resolve, reject) => {
    const s = mj.mega.decrypt(key32)
    const parts = []
    s.on('data', (d) => parts.push(d))
    s.on('error', reject)
    s.on('end', () => resolve(Buffer.concat(parts)))
    s.end(Buffer.from(ct))
  })
}

/* The chunk MAC of docs/megaproto.md 5.6-5.7, with Node's AES. */
function docMac (a, n, plain) {
  const ecb = crypto.createCipheriv('aes-128-ecb', a, null)
  ecb.setAutoPadding(false)
  let x = Buffer.alloc(16)
  let pos = 0
  let step = 0
  while (pos < plain.length) {
    step = Math.min(step + 131072, 1048576)
    const end = Math.min(pos + step, plain.length)
    let mac = Buffer.concat([n, n])
    for (; pos < end; pos += 16) {
      const blk = Buffer.alloc(16)
      plain.copy(blk, 0, pos, Math.min(pos + 16, end))
      for (let i = 0; i < 16; i++) blk[i] ^= mac[i]
      mac = ecb.update(blk)
    }
    for (let i = 0; i < 16; i++) mac[i] ^= x[i]
    x = ecb.update(mac)
  }
  const m = Buffer.alloc(8)
  for (let i = 0; i < 4; i++) {
    m[i] = x[i] ^ x[4 + i]
    m[4 + i] = x[8 + i] ^ x[12 + i]
  }
  return m
}

function b64url (b) { return Buffer.from(b).toString('base64url') }

/* Public exponent from p, q, d: e = d^-1 mod lcm(p-1, q-1). */
function deriveE (p, q, d) {
  const big = (b) => BigInt('0x' + b.toString('hex'))
  const gcd = (a, b) => { while (b) [a, b] = [b, a % b]; return a }
  const p1 = big(p) - 1n
  const q1 = big(q) - 1n
  const lam = p1 * q1 / gcd(p1, q1)
  let [r0, r1, s0, s1] = [big(d) % lam, lam, 1n, 0n]
  while (r1) {
    const k = r0 / r1;
    [r0, r1] = [r1, r0 - k * r1];
    [s0, s1] = [s1, s0 - k * s1]
  }
  return ((s0 % lam) + lam) % lam
}

/* Split decrypted privk into its MPIs' magnitudes (for deriveE). */
function mpis (buf) {
  const r = []
  let off = 0
  for (let i = 0; i < 4; i++) {
    const n = (buf.readUInt16BE(off) + 7) >> 3
    r.push(buf.subarray(off + 2, off + 2 + n))
    off += 2 + n
  }
  return r
}

/* Full login with megajs's functions; returns what the C test checks. */
function megajsLogin (email, password, acct, salt) {
  let pk, uh
  if (salt) {
    const dk = crypto.pbkdf2Sync(Buffer.from(password), salt, 100000, 32,
      'sha512')
    pk = dk.subarray(0, 16)
    uh = mj.e64(dk.subarray(16))
  } else {
    pk = mj.prepareKey(Buffer.from(password))
    uh = mj.e64(new mj.AES(pk).stringhash(Buffer.from(email.toLowerCase())))
  }
  const mk = mj.d64(acct.k)
  new mj.AES(pk).decryptECB(mk)
  const plain = new mj.AES(mk).decryptECB(mj.d64(acct.privk))
  const rsa = mj.cryptoDecodePrivKey(plain)
  if (!rsa) throw Error('megajs cannot decode privk')
  const sid = mj.e64(mj.cryptoRsaDecrypt(mj.d64(acct.csid), rsa)
    .slice(0, 43))
  const [p, q, d] = mpis(plain)
  return { pk, uh, mk, sid, e: deriveE(p, q, d) }
}

async function main () {
  out.push('/*',
    ' * Generated by: node regress/unit/megacrypto_vectors.js',
    ' * (megajs 1.3.10 internals, Node crypto, regress/mega/lib/crypto.js)',
    ' */')

  comment('base64url (Node Buffer base64url)')
  const b64in = [seq(0, 1, 0), seq(1, 1, 0xfb), seq(2, 1, 0xfb),
    seq(3, 1, 0xfb), seq(20, 37, 0xf0)]
  b64in.forEach((b, i) => {
    hex(`B64_IN${i}`, b)
    str(`B64_OUT${i}`, b64url(b))
  })

  comment('v1 login, megajs prepareKey and AES.stringhash; mega-mock user')
  const pre = JSON.parse(fs.readFileSync(path.join(megaDir, 'node_modules',
    'mega-mock', 'cli', 'preloaded-users.json'), 'utf8'))
  const mockUh = Object.keys(pre)[0]
  const mock = megajsLogin('mock@test', 'mock', pre[mockUh])
  if (mock.uh !== mockUh) throw Error('mock uh mismatch')
  str('MOCK_EMAIL', 'mock@test')
  str('MOCK_PASSWORD', 'mock')
  hex('MOCK_PK', mock.pk)
  str('MOCK_UH', mock.uh)
  str('MOCK_K', pre[mockUh].k)
  str('MOCK_PRIVK', pre[mockUh].privk)
  str('MOCK_CSID', pre[mockUh].csid)
  hex('MOCK_MK', mock.mk)
  str('MOCK_SID', mock.sid)
  num('MOCK_E', mock.e.toString() + 'UL')

  comment('v1, a password longer than one AES block, mixed-case e-mail')
  const lpw = 'correct horse battery staple 42!'
  const lpk = mj.prepareKey(Buffer.from(lpw))
  str('LONG_EMAIL', 'Alice.Example@Clawd.TEST')
  str('LONG_PASSWORD', lpw)
  hex('LONG_PK', lpk)
  str('LONG_UH', mj.e64(new mj.AES(lpk).stringhash(
    Buffer.from('alice.example@clawd.test'))))

  comment('v2 derivation, megajs prepareKeyV2 (Node pbkdf2)')
  const salt = seq(32, 13, 5)
  const dk = await new Promise((resolve, reject) =>
    mj.prepareKeyV2(Buffer.from('hunter2 clawd v2'),
      { s: salt.toString('base64') },
      (err, r) => err ? reject(err) : resolve(r)))
  str('V2_PASSWORD', 'hunter2 clawd v2')
  hex('V2_SALT', salt)
  hex('V2_PK', dk.subarray(0, 16))
  str('V2_UH', mj.e64(dk.subarray(16)))

  comment('accounts made by the emulator (lib/crypto.js), logged in ' +
    'with megajs; random RSA keys, so this block changes each run')
  const accts = [
    { email: 'v1user@clawd.test', password: 'v1 password', version: 1 },
    { email: 'v2user@clawd.test', password: 'v2 password', version: 2 }
  ]
  for (const spec of accts) {
    const a = emu.makeAccount(spec)
    const s = emu.newSession(a.userHandle, a.rsa)
    const saltBuf = a.salt ? Buffer.from(a.salt, 'base64url') : null
    const r = megajsLogin(spec.email, spec.password,
      { k: a.k, privk: a.privk, csid: s.csid }, saltBuf)
    if (r.uh !== a.loginHash || r.sid !== s.sid) {
      throw Error('emulator and megajs disagree')
    }
    const P = `EMU${spec.version}`
    str(`${P}_EMAIL`, spec.email)
    str(`${P}_PASSWORD`, spec.password)
    if (a.salt) str(`${P}_SALT`, a.salt)
    str(`${P}_UH`, a.loginHash)
    str(`${P}_K`, a.k)
    str(`${P}_PRIVK`, a.privk)
    str(`${P}_CSID`, s.csid)
    str(`${P}_USER`, a.userHandle)
    hex(`${P}_MK`, r.mk)
    str(`${P}_SID`, s.sid)
  }

  comment('tsid (docs/megaproto.md 3.4.4), Node AES-ECB')
  const tmk = seq(16, 3, 1)
  const traw = Buffer.concat([seq(16, 11, 7), Buffer.from('AbCdEfGhIjK')])
  const tenc = crypto.createCipheriv('aes-128-ecb', tmk, null)
    .setAutoPadding(false).update(traw.subarray(0, 16))
  hex('TSID_MK', tmk)
  str('TSID', b64url(Buffer.concat([traw, tenc])))

  comment('node keys: megajs AES.encryptECB and unmergeKeyMac')
  const mk = seq(16, 5, 0x21)
  const fileK = seq(32, 29, 0x42)
  const folderK = seq(16, 17, 0x99)
  hex('NK_MK', mk)
  hex('NK_FILE', fileK)
  hex('NK_FILE_ENC', new mj.AES(mk).encryptECB(Buffer.from(fileK)))
  hex('NK_FILE_A', mj.unmergeKeyMac(fileK).subarray(0, 16))
  hex('NK_FOLDER', folderK)
  hex('NK_FOLDER_ENC', new mj.AES(mk).encryptECB(Buffer.from(folderK)))

  comment('attributes: megajs MutableFile.packAttributes + encryptCBC')
  const attrs = [
    ['ATTR_FILE', fileK, { n: 'hello.txt' }],
    ['ATTR_EXACT', fileK, { n: 'abcd' }],
    ['ATTR_FOLDER', folderK, { n: 'clawchat-connections' }],
    ['ATTR_LONG', folderK, { n: 'pending-0123456789abcdef.bin', lbl: 3,
      fav: 1, x: 'caf\u00e9' }]
  ]
  for (const [name, key, obj] of attrs) {
    const at = mj.MutableFile.packAttributes(obj)
    mj.getCipher(key).encryptCBC(at)
    str(`${name}_JSON`, JSON.stringify(obj))
    str(`${name}_ENC`, mj.e64(at))
  }

  comment('file data: megajs encrypt stream, A || N = FILE_KEY24; ' +
    'plaintext byte i = (i * 7 + 3) & 0xff')
  const a = seq(16, 31, 0x10)
  const n = seq(8, 9, 0xc0)
  hex('FILE_A', a)
  hex('FILE_N', n)
  for (const len of [1000, 300000, 500000]) {
    const plain = seq(len, 7, 3)
    const r = await encryptMegajs(Buffer.concat([a, n]), plain)
    const back = await decryptMegajs(r.key, r.ct)
    if (!back.equals(plain)) throw Error('megajs round trip')
    if (!docMac(a, n, plain).equals(r.key.subarray(24))) {
      throw Error('doc MAC and megajs MAC differ')
    }
    hex(`FILE${len}_K`, r.key)
    hex(`FILE${len}_CT_SHA256`, crypto.createHash('sha256')
      .update(r.ct).digest())
    if (len === 1000) hex('FILE1000_CT', r.ct)
  }

  /*
   * At 0 bytes and at a chunk boundary megajs folds one more chunk MAC
   * (N||N, for an empty chunk) than the SDK and the doc; these follow
   * the doc, computed with Node's AES.
   */
  comment('file MACs by the doc (Node AES) where megajs adds an empty chunk')
  for (const len of [0, 131072, 393216]) {
    const plain = seq(len, 7, 3)
    hex(`DOCMAC${len}`, docMac(a, n, plain))
    const r = await encryptMegajs(Buffer.concat([a, n]), plain)
    hex(`MEGAJSMAC${len}`, r.key.subarray(24))
  }

  comment('hashcash: megajs generateHashcashToken')
  const token = seq(48, 45, 0x77)
  hex('HC_TOKEN', token)
  const token2 = seq(48, 91, 0x05)
  hex('HC_TOKEN2', token2)
  for (const [name, tok, e] of [['HC_NONCE255', token, 255],
    ['HC_NONCE200', token2, 200]]) {
    const hdr = await mj.generateHashcashToken(`1:${e}:0:${b64url(tok)}`)
    str(name, hdr.split(':')[2])
  }

  process.stdout.write(out.join('\n') + '\n')
}

async function verify (file) {
  const [khex, cthex] = fs.readFileSync(file, 'utf8').trim().split('\n')
  const plain = await decryptMegajs(Buffer.from(khex, 'hex'),
    Buffer.from(cthex || '', 'hex'))
  process.stdout.write(`megajs: MAC ok, ${plain.length} bytes, sha256 ` +
    crypto.createHash('sha256').update(plain).digest('hex') + '\n')
}

const args = process.argv.slice(2)
const run = args[0] === '--verify' ? verify(args[1]) : main()
run.catch((e) => {
  process.stderr.write(`megacrypto_vectors: ${e.message}\n`)
  process.exit(1)
})
