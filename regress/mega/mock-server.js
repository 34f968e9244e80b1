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
