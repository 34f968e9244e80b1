'use strict'
/*
 * Account cryptography, server side.  The emulator holds what MEGA's
 * servers hold for an account: the master key wrapped with the password
 * key (k), the RSA private key wrapped with the master key (privk), the
 * login hash (uh) and, for v2 accounts, the salt.  It never needs a
 * password after start-up and never sees file plaintext.
 * Formats follow docs/megaproto.md sections 1 and 3.
 */
const crypto = require('crypto')

const V1_INITIAL = Buffer.from('93c467e37db0c7a4d1be3f810152cb56', 'hex')

function b64enc (buf) {
  return Buffer.from(buf).toString('base64url')
}

/* Strict base64url: MEGA never sends '+', '/' or '=', so refuse them. */
function b64dec (s) {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s)) return null
  if (s.length % 4 === 1) return null
  return Buffer.from(s, 'base64url')
}

function ecb (key, decrypt) {
  const c = decrypt
    ? crypto.createDecipheriv('aes-128-ecb', key, null)
    : crypto.createCipheriv('aes-128-ecb', key, null)
  c.setAutoPadding(false)
  return c
}

function aesEcbEncrypt (key, data) {
  const c = ecb(key, false)
  return Buffer.concat([c.update(data), c.final()])
}

/*
 * v1 password key: the password in 16-byte AES keys, applied in turn to
 * a fixed block 65536 times.  One cipher object per key block keeps
 * this fast; ECB without padding emits every block at once.
 */
function v1PasswordKey (password) {
  const pw = Buffer.from(password, 'utf8')
  const ciphers = []
  for (let off = 0; off < pw.length; off += 16) {
    const k = Buffer.alloc(16)
    pw.copy(k, 0, off, Math.min(off + 16, pw.length))
    ciphers.push(ecb(k, false))
  }
  let pk = Buffer.from(V1_INITIAL)
  for (let r = 0; r < 65536; r++) {
    for (const c of ciphers) pk = c.update(pk)
  }
  return pk
}

/* v1 login hash from the lower-cased e-mail and the password key. */
function v1UserHash (pk, email) {
  const e = Buffer.from(email.toLowerCase(), 'utf8')
  let h = Buffer.alloc(16)
  for (let j = 0; j < e.length; j++) h[j % 16] ^= e[j]
  const c = ecb(pk, false)
  for (let r = 0; r < 16384; r++) h = c.update(h)
  return b64enc(Buffer.concat([h.subarray(0, 4), h.subarray(8, 12)]))
}

/* v2: PBKDF2-HMAC-SHA512, 100000 rounds; key and login hash halves. */
function v2Derive (password, salt) {
  const dk = crypto.pbkdf2Sync(Buffer.from(password, 'utf8'), salt,
    100000, 32, 'sha512')
  return { pk: dk.subarray(0, 16), uh: b64enc(dk.subarray(16, 32)) }
}

function stripZeros (buf) {
  let i = 0
  while (i < buf.length - 1 && buf[i] === 0) i++
  return buf.subarray(i)
}

/* MPI: 2-byte big-endian bit count, then the magnitude bytes. */
function mpi (buf) {
  const m = stripZeros(buf)
  let bits = (m.length - 1) * 8
  for (let b = m[0]; b > 0; b >>= 1) bits++
  const hdr = Buffer.alloc(2)
  hdr.writeUInt16BE(bits)
  return Buffer.concat([hdr, m])
}

function bnFrom (buf) {
  return BigInt('0x' + (buf.length ? buf.toString('hex') : '0'))
}

function bnTo (n) {
  let h = n.toString(16)
  if (h.length % 2) h = '0' + h
  return Buffer.from(h, 'hex')
}

function modInverse (a, m) {
  let [r0, r1] = [a % m, m]
  let [s0, s1] = [1n, 0n]
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1]
  }
  return ((s0 % m) + m) % m
}

/*
 * A fresh RSA-2048 key in MEGA's layout: privk plaintext is the MPIs
 * p, q, d, u (u = p^-1 mod q, as the clients' CRT expects), zero padded
 * to a whole number of AES blocks.
 */
function rsaKeyPair () {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa',
    { modulusLength: 2048, publicExponent: 65537 })
  const jwk = privateKey.export({ format: 'jwk' })
  const p = Buffer.from(jwk.p, 'base64url')
  const q = Buffer.from(jwk.q, 'base64url')
  const d = Buffer.from(jwk.d, 'base64url')
  const u = bnTo(modInverse(bnFrom(p), bnFrom(q)))
  let plain = Buffer.concat([mpi(p), mpi(q), mpi(d), mpi(u)])
  const pad = (16 - plain.length % 16) % 16
  plain = Buffer.concat([plain, crypto.randomBytes(pad)])
  return {
    publicKey,
    privPlain: plain,
    sidLen: stripZeros(p).length + stripZeros(q).length - 2
  }
}

/*
 * A session id for a user: 43 raw bytes with the user handle's 11
 * characters at [16, 27), as the SDK checks.  csid is the raw sid,
 * right-padded with random bytes to len(p)+len(q)-2 bytes and
 * RSA-encrypted without padding, as one MPI.  The first byte is kept
 * non-zero so clients that strip leading zeros (megajs, mega.py) and
 * clients that left-pad (the SDK) agree.
 */
function newSession (userHandle, rsa) {
  const raw = Buffer.concat([crypto.randomBytes(16),
    Buffer.from(userHandle, 'ascii'), crypto.randomBytes(16)])
  if (raw[0] === 0) raw[0] = 1
  const m = Buffer.concat([raw, crypto.randomBytes(rsa.sidLen - 43)])
  const modlen = rsa.publicKey.asymmetricKeyDetails.modulusLength / 8
  const block = Buffer.concat([Buffer.alloc(modlen - m.length), m])
  const c = crypto.publicEncrypt({ key: rsa.publicKey,
    padding: crypto.constants.RSA_NO_PADDING }, block)
  return { sid: b64enc(raw), csid: b64enc(mpi(c)) }
}

/* Random handle of n bytes, in base64url. */
function handle (n) {
  return b64enc(crypto.randomBytes(n))
}

/*
 * Build every server-side secret of an account from its password, the
 * way registration would have.
 */
function makeAccount (spec) {
  const email = spec.email.toLowerCase()
  const version = spec.version === 2 ? 2 : 1
  let pk, uh, salt
  if (version === 2) {
    salt = spec.salt ? Buffer.from(spec.salt, 'base64url')
      : crypto.randomBytes(32)
    const r = v2Derive(spec.password, salt)
    pk = r.pk
    uh = r.uh
  } else {
    pk = v1PasswordKey(spec.password)
    uh = v1UserHash(pk, email)
  }
  const mk = spec.masterKey ? Buffer.from(spec.masterKey, 'base64url')
    : crypto.randomBytes(16)
  const rsa = rsaKeyPair()
  return {
    email,
    name: spec.name || email.split('@')[0],
    version,
    salt: salt ? b64enc(salt) : null,
    loginHash: uh,
    userHandle: spec.userHandle || handle(8),
    k: b64enc(aesEcbEncrypt(pk, mk)),
    privk: b64enc(aesEcbEncrypt(mk, rsa.privPlain)),
    rsa
  }
}

/* Hashcash (docs/megaproto.md 2.4): check a client's nonce. */
function hashcashThreshold (e) {
  return ((e & 63) * 2 + 1) * Math.pow(2, (e >> 6) * 7 + 3)
}

function hashcashCheck (token, nonce, easiness) {
  if (nonce.length !== 4 || token.length !== 48) return false
  const h = crypto.createHash('sha256')
  h.update(nonce)
  const rep = Buffer.alloc(48 * 4096)
  for (let i = 0; i < 4096; i++) token.copy(rep, i * 48)
  for (let i = 0; i < 262144 / 4096; i++) h.update(rep)
  return h.digest().readUInt32BE(0) <= hashcashThreshold(easiness)
}

module.exports = {
  b64enc,
  b64dec,
  aesEcbEncrypt,
  v1PasswordKey,
  v1UserHash,
  v2Derive,
  makeAccount,
  newSession,
  handle,
  hashcashCheck
}
