'use strict'
/*
 * A small command line client over megajs (an independent MEGA client)
 * for the drop tests: what clawd stores must be readable by megajs, and
 * what megajs stores must be readable by clawd.
 *
 * usage: node megajs-tool.js --gateway URL --email E --password P CMD
 *   list FOLDERPATH          one line per file: NAME SIZE HANDLE
 *                            (exit 2 if the folder does not exist)
 *   get FOLDERPATH NAME      the plaintext on stdout; the MAC is checked
 *                            and a mismatch exits 1
 *   put FOLDERPATH NAME      stdin uploaded as NAME (folders made)
 *   rm FOLDERPATH NAME       delete NAME for good
 *   msgs FOLDERPATH          one line per message: NAME SIZE HANDLE
 *   getmsg FOLDERPATH NAME   a message's bytes on stdout
 *   putmsg FOLDERPATH NAME   stdin stored as message NAME
 *   rmmsg FOLDERPATH NAME    delete message NAME for good
 *
 * A message is clawd's small drop message: a folder node whose
 * attributes carry the bytes, base64url, under the key "cw" (one p
 * command to make, read from the node with no download).
 *
 * For HTTPS with a test CA run it with NODE_EXTRA_CA_CERTS=ca.pem.
 * Exit 0 success, 1 failure, 2 not found.
 */
require('./webcrypto')
const { Storage } = require('megajs')

function usage () {
  process.stderr.write('usage: megajs-tool.js --gateway URL --email E ' +
    '--password P list|get|put|rm|msgs|getmsg|putmsg|rmmsg FOLDERPATH ' +
    '[NAME]\n')
  process.exit(1)
}

function parse (argv) {
  const o = { rest: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--gateway' || a === '--email' || a === '--password') {
      if (i + 1 >= argv.length) usage()
      o[a.slice(2)] = argv[++i]
    } else {
      o.rest.push(a)
    }
  }
  if (!o.gateway || !o.email || !o.password || o.rest.length < 2) usage()
  if (!o.gateway.endsWith('/')) o.gateway += '/'
  return o
}

function readStdin () {
  return new Promise((resolve, reject) => {
    const parts = []
    process.stdin.on('data', (d) => parts.push(d))
    process.stdin.on('end', () => resolve(Buffer.concat(parts)))
    process.stdin.on('error', reject)
  })
}

/* The folder at PATH (slash separated, from the root), or null. */
function folder (s, path) {
  const parts = path.split('/').filter((x) => x.length > 0)
  let d = s.root
  for (const p of parts) {
    d = (d.children || []).find((c) => c.directory && c.name === p)
    if (!d) return null
  }
  return d
}

async function mkpath (s, path) {
  const parts = path.split('/').filter((x) => x.length > 0)
  let d = s.root
  for (const p of parts) {
    let c = (d.children || []).find((x) => x.directory && x.name === p)
    if (!c) c = await d.mkdir(p)
    d = c
  }
  return d
}

function file (d, name) {
  const all = (d.children || []).filter((c) => !c.directory &&
    c.name === name)
  if (all.length > 1) {
    process.stderr.write(`megajs-tool: ${all.length} files named ${name}\n`)
  }
  return all[0] || null
}

/* The message NAME in folder d, or null. */
function message (d, name) {
  const all = (d.children || []).filter((c) => c.directory &&
    c.name === name)
  if (all.length > 1) {
    process.stderr.write(`megajs-tool: ${all.length} messages named ` +
      `${name}\n`)
  }
  return all[0] || null
}

function msgBytes (m) {
  const cw = m.attributes && m.attributes.cw
  return typeof cw === 'string' ? Buffer.from(cw, 'base64url') : null
}

async function main () {
  const o = parse(process.argv.slice(2))
  const [cmd, path, name] = o.rest
  /* keepalive off: no sc loop, so the process ends when we are done. */
  const s = new Storage({ email: o.email, password: o.password,
    gateway: o.gateway, keepalive: false, autologin: true })
  s.api.on('error', () => {})
  await s.ready
  let d
  switch (cmd) {
    case 'list':
      d = folder(s, path)
      if (!d) return 2
      for (const c of d.children || []) {
        if (c.directory) continue
        process.stdout.write(`${c.name} ${c.size} ${c.nodeId}\n`)
      }
      return 0
    case 'get': {
      if (!name) usage()
      d = folder(s, path)
      const f = d && file(d, name)
      if (!f) return 2
      /* downloadBuffer runs megaDecrypt, which checks the MAC. */
      const buf = await f.downloadBuffer({})
      await new Promise((resolve) => process.stdout.write(buf, resolve))
      return 0
    }
    case 'put': {
      if (!name) usage()
      const data = await readStdin()
      d = await mkpath(s, path)
      const f = await d.upload({ name, size: data.length }, data).complete
      process.stderr.write(`megajs-tool: stored ${name} ${f.size} ` +
        `${f.nodeId}\n`)
      return 0
    }
    case 'rm': {
      if (!name) usage()
      d = folder(s, path)
      const f = d && file(d, name)
      if (!f) return 2
      await f.delete(true)
      return 0
    }
    case 'msgs':
      d = folder(s, path)
      if (!d) return 2
      for (const c of d.children || []) {
        const b = c.directory && msgBytes(c)
        if (b) process.stdout.write(`${c.name} ${b.length} ${c.nodeId}\n`)
      }
      return 0
    case 'getmsg': {
      if (!name) usage()
      d = folder(s, path)
      const m = d && message(d, name)
      const b = m && msgBytes(m)
      if (!b) return 2
      await new Promise((resolve) => process.stdout.write(b, resolve))
      return 0
    }
    case 'putmsg': {
      if (!name) usage()
      const data = await readStdin()
      d = await mkpath(s, path)
      const m = await d.mkdir({ name,
        attributes: { cw: data.toString('base64url') } })
      process.stderr.write(`megajs-tool: stored message ${name} ` +
        `${data.length} ${m.nodeId}\n`)
      return 0
    }
    case 'rmmsg': {
      if (!name) usage()
      d = folder(s, path)
      const m = d && message(d, name)
      if (!m) return 2
      await m.delete(true)
      return 0
    }
    default:
      usage()
  }
}

main().then((code) => process.exit(code), (e) => {
  process.stderr.write(`megajs-tool: ${e && e.message}\n`)
  process.exit(1)
})
