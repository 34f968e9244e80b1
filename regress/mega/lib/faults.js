'use strict'
/*
 * Fault injection and request statistics, switchable at run time over a
 * small control HTTP server (POST /faults, GET /faults, DELETE /faults,
 * GET /stats, DELETE /stats).  The emulator misbehaves only when told
 * to; every injected fault is counted so tests can check what a client
 * saw and that it did not spin.
 *
 * Faults that fire a number of times take a count: a number N > 0 means
 * the next N matching requests, true means until switched off, and 0 or
 * false switches the fault off.  "endpoint" restricts a fault to one of
 * cs, sc, wait, upload, download (default: all; "error" defaults to cs).
 */
const http = require('http')

const ENDPOINTS = ['cs', 'sc', 'wait', 'upload', 'download']

class Faults {
  constructor (opts) {
    this.baseLatency = opts.latencyMs || 0
    this.reset()
    this.resetStats()
  }

  reset () {
    this.latencyMs = this.baseLatency
    this.armed = {}        /* kind -> { left, endpoint } */
    this.errors = []       /* { code, left, command, endpoint } */
    this.rate = null       /* { perSec, tokens, last } */
    this.scReload = 0
    this.overQuota = false
    this.hashcash = null   /* easiness, or null */
    this.blocked = new Set()
  }

  resetStats () {
    this.stats = { endpoints: {}, commands: {}, injected: {} }
  }

  count (table, key) {
    this.stats[table][key] = (this.stats[table][key] || 0) + 1
  }

  /* Apply one JSON object posted to /faults. */
  configure (f, store) {
    const endpoint = typeof f.endpoint === 'string' ? f.endpoint : null
    if (endpoint !== null && !ENDPOINTS.includes(endpoint)) {
      throw Error('unknown endpoint ' + endpoint)
    }
    if (f.reset) this.reset()
    if ('latency_ms' in f) this.latencyMs = Number(f.latency_ms) || 0
    for (const kind of ['http500', 'drop', 'drop_after', 'truncate',
      'corrupt']) {
      if (!(kind in f)) continue
      const left = countOf(f[kind])
      if (left === 0) delete this.armed[kind]
      else this.armed[kind] = { left, endpoint }
    }
    if ('error' in f) {
      if (!f.error) {
        this.errors = []
      } else {
        const code = Number(f.error)
        if (!Number.isInteger(code) || code >= 0) {
          throw Error('error must be a negative integer')
        }
        this.errors.push({
          code,
          left: 'count' in f ? countOf(f.count) : 1,
          command: typeof f.command === 'string' ? f.command : null,
          endpoint: endpoint || 'cs'
        })
      }
    }
    if ('rate_limit' in f) {
      const r = f.rate_limit
      this.rate = r && r.per_sec > 0
        ? { perSec: r.per_sec, tokens: r.per_sec, last: Date.now() }
        : null
    }
    if ('sc_reload' in f) this.scReload = countOf(f.sc_reload)
    if ('over_quota' in f) this.overQuota = !!f.over_quota
    if ('hashcash' in f) {
      this.hashcash = f.hashcash === false || f.hashcash === null
        ? null : Number(f.hashcash) & 255
    }
    if (typeof f.block_account === 'string') {
      this.blocked.add(f.block_account.toLowerCase())
    }
    if (typeof f.unblock_account === 'string') {
      this.blocked.delete(f.unblock_account.toLowerCase())
    }
    if (f.expire_sessions && store) store.expireSessions()
    if (store && (f.reset || 'clock_s' in f)) {
      store.setClock(Number(f.clock_s) || 0)
    }
  }

  describe () {
    return {
      latency_ms: this.latencyMs,
      armed: this.armed,
      errors: this.errors,
      rate_limit: this.rate ? { per_sec: this.rate.perSec } : null,
      sc_reload: this.scReload,
      over_quota: this.overQuota,
      hashcash: this.hashcash,
      blocked: [...this.blocked]
    }
  }

  /* Consume one shot of an armed fault if it applies to endpoint. */
  take (kind, endpoint) {
    const a = this.armed[kind]
    if (!a || (a.endpoint && a.endpoint !== endpoint)) return false
    if (a.left !== Infinity && --a.left <= 0) delete this.armed[kind]
    this.count('injected', kind)
    return true
  }

  /*
   * Injected error code for this endpoint (and command, for cs), or 0.
   * Command-less cs errors fail the whole batch.
   */
  takeError (endpoint, command) {
    for (let i = 0; i < this.errors.length; i++) {
      const e = this.errors[i]
      if (e.endpoint !== endpoint) continue
      if ((e.command || null) !== (command || null)) continue
      if (e.left !== Infinity && --e.left <= 0) this.errors.splice(i, 1)
      this.count('injected', 'error' + e.code)
      return e.code
    }
    return 0
  }

  takeScReload () {
    if (this.scReload === 0) return false
    if (this.scReload !== Infinity) this.scReload--
    this.count('injected', 'sc_reload')
    return true
  }

  /* Token bucket; true when the request is over the limit. */
  rateLimited () {
    const r = this.rate
    if (r === null) return false
    const now = Date.now()
    r.tokens = Math.min(r.perSec, r.tokens + (now - r.last) * r.perSec / 1000)
    r.last = now
    if (r.tokens >= 1) {
      r.tokens -= 1
      return false
    }
    this.count('injected', 'rate_limit')
    return true
  }

  /*
   * Run before a request is handled: latency, then faults that replace
   * the whole reply.  Returns true if the request has been dealt with.
   */
  async before (endpoint, req, res) {
    this.count('endpoints', endpoint)
    if (this.latencyMs > 0) await sleep(this.latencyMs)
    if (this.take('drop', endpoint)) {
      req.socket.destroy()
      return true
    }
    if (this.take('http500', endpoint)) {
      /* megajs maps this status text to -3; others see a 5xx. */
      res.statusMessage = 'Server Too Busy'
      res.writeHead(500, { 'Content-Length': 0 })
      res.end()
      return true
    }
    return false
  }

  /* Write a reply, corrupting, truncating or dropping it if armed. */
  send (endpoint, req, res, status, headers, body) {
    body = Buffer.isBuffer(body) ? body : Buffer.from(String(body))
    if (this.take('drop_after', endpoint)) {
      req.socket.destroy()
      return
    }
    if (body.length > 0 && this.take('corrupt', endpoint)) {
      body = Buffer.from(body)
      /*
       * JSON replies lose their first byte (no longer '[', '{', '-' or a
       * digit); data replies get one flipped byte in the middle, which
       * only a MAC check can detect.
       */
      const at = endpoint === 'download' ? body.length >> 1 : 0
      body[at] = endpoint === 'download' ? body[at] ^ 0x01 : 0x3f
    }
    const h = Object.assign({ 'Content-Length': body.length }, headers)
    if (body.length > 1 && this.take('truncate', endpoint)) {
      res.writeHead(status, h)
      res.write(body.subarray(0, body.length >> 1), () => {
        req.socket.destroy()
      })
      return
    }
    res.writeHead(status, h)
    res.end(body)
  }
}

function countOf (v) {
  if (v === true) return Infinity
  const n = Number(v)
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0
}

function sleep (ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/* The control endpoint: JSON in, JSON out, loopback only by design. */
function controlServer (faults, store) {
  return http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const reply = (status, obj) => {
        const body = JSON.stringify(obj) + '\n'
        res.writeHead(status, { 'Content-Type': 'application/json' })
        res.end(body)
      }
      const path = req.url.split('?')[0]
      try {
        if (path === '/faults' && req.method === 'POST') {
          const f = JSON.parse(Buffer.concat(chunks).toString() || '{}')
          for (const one of Array.isArray(f) ? f : [f]) {
            faults.configure(one, store)
          }
          return reply(200, faults.describe())
        }
        if (path === '/faults' && req.method === 'GET') {
          return reply(200, faults.describe())
        }
        if (path === '/faults' && req.method === 'DELETE') {
          faults.configure({ reset: true }, store)
          return reply(200, faults.describe())
        }
        if (path === '/stats' && req.method === 'GET') {
          return reply(200, faults.stats)
        }
        if (path === '/stats' && req.method === 'DELETE') {
          faults.resetStats()
          return reply(200, faults.stats)
        }
        return reply(404, { error: 'no such control path' })
      } catch (e) {
        return reply(400, { error: e.message })
      }
    })
  })
}

module.exports = { Faults, controlServer, sleep }
