'use strict'
/*
 * File transfers (docs/megaproto.md 5 and 6).  Uploads: POST
 * <u>/<offset> with Content-Length, starting and ending on chunk
 * boundaries; the POST that completes the file gets the binary
 * completion token, the others an empty body.  Downloads: GET
 * <g>/<start>-<end> (end inclusive) or <g> with an optional Range
 * header.  Only ciphertext is ever handled.
 */
const crypto = require('crypto')
const mcrypto = require('./crypto')

const KIB = 1024
const MIB = 1024 * 1024

/* 0, 128K, 384K, ... 4608K (chunk i is i * 128 KiB), then every 1 MiB. */
function isChunkBoundary (off) {
  let b = 0
  for (let i = 1; i <= 8; i++) {
    if (off === b) return true
    if (off < b) return false
    b += 128 * KIB * i
  }
  return off >= b && (off - b) % MIB === 0
}

/* The SDK's optional ?d=: 12 bytes, the data XORed in round-robin. */
function xorChecksum (data) {
  const crc = Buffer.alloc(12)
  for (let i = 0; i < data.length; i++) crc[i % 12] ^= data[i]
  return crc
}

function handleUpload (ctx, req, res, url, body, id, offStr) {
  const send = (status, b) => ctx.faults.send('upload', req, res, status,
    { 'Content-Type': 'application/octet-stream' }, b)
  const up = ctx.store.uploads.get(id)
  if (!up || req.method !== 'POST') return send(404, '')
  if (req.headers['content-length'] === undefined) return send(411, '')
  const injected = ctx.faults.takeError('upload', null)
  if (injected) return send(200, String(injected))
  if (up.token) return send(200, up.token)
  if (!/^[0-9]+$/.test(offStr)) return send(200, '-7')
  const off = Number(offStr)
  const end = off + body.length
  if (!isChunkBoundary(off) || end > up.size ||
      (end !== up.size && !isChunkBoundary(end)) ||
      (body.length === 0 && up.size !== 0)) {
    return send(200, '-7')
  }
  const d = url.searchParams.get('d')
  if (d !== null) {
    const want = mcrypto.b64dec(d)
    if (want === null || !want.equals(xorChecksum(body))) {
      return send(200, '-14')
    }
  }
  up.pieces.set(off, Buffer.from(body))
  let pos = 0
  while (up.pieces.has(pos) && pos < up.size) {
    pos += up.pieces.get(pos).length
  }
  if (pos !== up.size) return send(200, d !== null ? '0' : '')
  const parts = []
  for (let p = 0; p < up.size; p += up.pieces.get(p).length) {
    parts.push(up.pieces.get(p))
  }
  const token = crypto.randomBytes(36)
  up.token = token
  up.pieces.clear()
  ctx.store.tokens.set(mcrypto.b64enc(token),
    { account: up.account, data: Buffer.concat(parts) })
  return send(200, token)
}

function handleDownload (ctx, req, res, url, id, range) {
  const send = (status, b, h) => ctx.faults.send('download', req, res,
    status, Object.assign({ 'Content-Type': 'application/octet-stream' },
      h || {}), b)
  const dl = ctx.store.downloads.get(id)
  const data = dl ? dl.account.data.get(dl.h) : undefined
  if (data === undefined) return send(404, '')
  if (ctx.faults.overQuota) {
    ctx.faults.count('injected', 'bandwidth_509')
    return send(509, '', { 'X-MEGA-Time-Left': '60' })
  }
  const injected = ctx.faults.takeError('download', null)
  if (injected) return send(200, String(injected))
  let m = range ? /^([0-9]+)-([0-9]+)$/.exec(range) : null
  if (range && !m) return send(416, '')
  let status = 200
  const h = {}
  if (!m && typeof req.headers.range === 'string') {
    m = /^bytes=([0-9]+)-([0-9]*)$/.exec(req.headers.range)
    if (!m) return send(416, '')
    if (m[2] === '') m[2] = String(data.length - 1)
    status = 206
  }
  if (!m) return send(200, data)
  const start = Number(m[1])
  const last = Math.min(Number(m[2]), data.length - 1)
  if (start > last) {
    return send(416, '', { 'Content-Range': `bytes */${data.length}` })
  }
  if (status === 206) {
    h['Content-Range'] = `bytes ${start}-${last}/${data.length}`
  }
  return send(status, data.subarray(start, last + 1), h)
}

module.exports = { handleUpload, handleDownload, isChunkBoundary }
