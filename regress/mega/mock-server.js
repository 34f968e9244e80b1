'use strict'
/*
 * Run mega-mock 0.4.2 (an independent MEGA server, plain HTTP, no sc)
 * as a module with its preloaded users (mock@test / mock, ...).
 *
 * usage: node mock-server.js [PORT]     (0 or none picks a free port)
 *
 * Prints "listening on http://127.0.0.1:PORT/" and runs until SIGTERM;
 * its data folder is a temporary directory removed on exit.
 */
const fs = require('fs')
const os = require('os')
const path = require('path')

/*
 * mega-mock 0.4.2 answers an upload's last chunk when the request body
 * has been read, before its write stream has reached the file, so a
 * client quick to send "p" (clawd is, over loopback) gets a node of
 * size 0.  Hold the completion token back until the file is whole.
 */
const uploadPath = require.resolve('mega-mock/commands/handleUpload')
const realUpload = require(uploadPath)
async function wholeUpload (options, parsedURL, req, res) {
  const token = await realUpload(options, parsedURL, req, res)
  const [id, size] = parsedURL.pathname.split('/').slice(2)
  const file = path.resolve(options.dataFolder, 'temp_' + id)
  const want = Number(size)
  for (let i = 0; token && token.length && i < 200; i++) {
    let have = -1
    try { have = fs.statSync(file).size } catch (e) {}
    if (have >= want) break
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return token
}
require.cache[uploadPath].exports = wholeUpload
const megamock = require('mega-mock')
const users = require('mega-mock/cli/preloaded-users.json')

const port = Number(process.argv[2] || 0)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'megamock-'))
const server = megamock({ dataFolder: dir })
for (const [u, d] of Object.entries(users)) server.state.loginData.set(u, d)

function stop () {
  server.close()
  fs.rmSync(dir, { recursive: true, force: true })
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)

server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/`)
})
