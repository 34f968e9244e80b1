#!/usr/bin/env node
'use strict'
/*
 * MEGA API emulator for clawd's tests.  It plays the server side of
 * docs/megaproto.md: the cs commands, transfers, the sc channel
 * with wait URLs, over HTTP or HTTPS, and misbehaves on request through
 * the control port.  Node's standard library only.
 *
 * usage: emulator.js --listen ADDR:PORT [--tls CERT KEY] [--accounts FILE]
 *            [--state-dir DIR] [--latency-ms N] [--control-port P]
 *            [--wait-ms N]
 */
const fs = require('fs')
const http = require('http')
const https = require('https')
const { Store } = require('./lib/store')
const { Faults, controlServer } = require('./lib/faults')
const { handleCs } = require('./lib/commands')
const { handleUpload, handleDownload } = require('./lib/transfers')
const { handleSc, handleWait } = require('./lib/sc')

const MAX_BODY = 64 * 1024 * 1024

function usage (msg) {
  if (msg) process.stderr.write('emulator: ' + msg + '\n')
  process.stderr.write('usage: emulator.js --listen ADDR:PORT ' +
    '[--tls CERT KEY] [--accounts FILE]\n' +
    '           [--state-dir DIR] [--latency-ms N] [--control-port P] ' +
    '[--wait-ms N]\n')
  process.exit(2)
}

function parseArgs (argv) {
  const o = { listen: null, tls: null, accounts: null, stateDir: null,
    latencyMs: 0, controlPort: null, waitMs: 30000 }
  for (let i = 0; i < argv.length; i++) {
    const need = (n) => {
      if (i + n >= argv.length) usage(argv[i] + ' needs an argument')
      const v = argv.slice(i + 1, i + 1 + n)
      i += n
      return v
    }
    switch (argv[i]) {
      case '--listen': o.listen = need(1)[0]; break
      case '--tls': o.tls = need(2); break
      case '--accounts': o.accounts = need(1)[0]; break
      case '--state-dir': o.stateDir = need(1)[0]; break
      case '--latency-ms': o.latencyMs = Number(need(1)[0]); break
      case '--control-port': o.controlPort = Number(need(1)[0]); break
      case '--wait-ms': o.waitMs = Number(need(1)[0]); break
      default: usage('unknown argument ' + argv[i])
    }
  }
  if (o.listen === null) usage('--listen is required')
  const m = /^\[?([^\]]+?)\]?:([0-9]+)$/.exec(o.listen)
  if (!m) usage('--listen wants ADDR:PORT')
  o.host = m[1]
  o.port = Number(m[2])
  return o
}

function readBody (req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    let len = 0
    req.on('data', (c) => {
      len += c.length
      if (len > MAX_BODY) {
        reject(Error('body too large'))
        req.socket.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/* Routes: /cs /sc /wait/<id> /ul/<id>/<offset> /dl/<id>[/<range>]. */
function route (pathname) {
  const p = pathname.split('/').filter((x) => x !== '')
  if (p.length === 1 && (p[0] === 'cs' || p[0] === 'sc')) return [p[0]]
  if (p.length === 2 && p[0] === 'wait') return ['wait', p[1]]
  if (p.length === 3 && p[0] === 'ul') return ['upload', p[1], p[2]]
  if ((p.length === 2 || p.length === 3) && p[0] === 'dl') {
    return ['download', p[1], p[2]]
  }
  return ['other']
}

async function dispatch (ctx, req, res) {
  const url = new URL(req.url, 'http://x')
  const [endpoint, a1, a2] = route(url.pathname)
  if (endpoint === 'other') {
    ctx.faults.count('endpoints', 'other')
    res.writeHead(404, { 'Content-Length': 0 })
    return res.end()
  }
  /* Read the body first so a dropped reply happens after the upload. */
  const body = await readBody(req)
  if (await ctx.faults.before(endpoint, req, res)) return
  switch (endpoint) {
    case 'cs': return handleCs(ctx, req, res, url, body)
    case 'sc': return handleSc(ctx, req, res, url)
    case 'wait': return handleWait(ctx, req, res, a1)
    case 'upload':
      return handleUpload(ctx, req, res, url, body, a1, a2)
    case 'download': return handleDownload(ctx, req, res, url, a1, a2)
  }
}

function main () {
  const o = parseArgs(process.argv.slice(2))
  const store = new Store()
  store.loadAccounts(o.accounts)
  if (o.stateDir) store.restore(o.stateDir)
  const faults = new Faults({ latencyMs: o.latencyMs })
  const scheme = o.tls ? 'https' : 'http'
  const ctx = {
    store,
    faults,
    waits: new Map(),
    hashcash: new Map(),
    waitMs: o.waitMs,
    /* URLs we hand out point back at the name the client used. */
    baseUrl: (req) => scheme + '://' + (req.headers.host ||
      `${o.host}:${server.address().port}`)
  }
  const handler = (req, res) => {
    dispatch(ctx, req, res).catch((e) => {
      process.stderr.write('emulator: ' + e.stack + '\n')
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Length': 0 })
        res.end()
      }
    })
  }
  const server = o.tls
    ? https.createServer({ cert: fs.readFileSync(o.tls[0]),
      key: fs.readFileSync(o.tls[1]) }, handler)
    : http.createServer(handler)
  server.keepAliveTimeout = 30000
  let control = null
  const shutdown = () => {
    if (o.stateDir) store.save(o.stateDir)
    server.close()
    if (control) control.close()
    process.exit(0)
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
  const start = () => {
    server.listen(o.port, o.host, () => {
      const port = server.address().port
      const h = o.host.includes(':') ? `[${o.host}]` : o.host
      process.stdout.write(`listening on ${scheme}://${h}:${port}/\n`)
    })
  }
  if (o.controlPort !== null) {
    control = controlServer(faults, store)
    control.listen(o.controlPort, '127.0.0.1', () => {
      process.stdout.write('control on http://127.0.0.1:' +
        control.address().port + '/\n')
      start()
    })
  } else {
    start()
  }
}

main()
