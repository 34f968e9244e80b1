'use strict'
/*
 * The sc channel (docs/megaproto.md 7.3): POST /sc?sn=<sn>&sid=<sid>.
 * A client behind the current sn gets {"a":[packets],"sn":<new>}; one
 * that is up to date gets {"w":<wait URL>}.  The wait URL answers (with
 * an empty body) as soon as the account changes, or after a timeout,
 * and the client then polls sc again with the same sn.
 */
const mcrypto = require('./crypto')

const ESID = -15
const EBLOCKED = -16
const ETOOMANY = -6
const EARGS = -2

function handleSc (ctx, req, res, url) {
  const send = (obj) => ctx.faults.send('sc', req, res, 200,
    { 'Content-Type': 'application/json' }, JSON.stringify(obj))
  if (ctx.faults.rateLimited()) return send(-4)
  const injected = ctx.faults.takeError('sc', null)
  if (injected) return send(injected)
  const acct = ctx.store.sessions.get(url.searchParams.get('sid') || '')
  if (!acct) return send(ESID)
  if (ctx.faults.blocked.has(acct.email)) return send(EBLOCKED)
  const sn = url.searchParams.get('sn')
  if (sn === null) return send(EARGS)
  if (ctx.faults.takeScReload()) return send(ETOOMANY)
  const seq = acct.parseSn(sn)
  if (seq < 0) return send(ETOOMANY)
  if (seq < acct.seq) {
    const packets = acct.packetsSince(seq)
    if (packets === null) return send(ETOOMANY)
    return send({ a: packets, sn: acct.sn() })
  }
  const id = mcrypto.handle(12)
  ctx.waits.set(id, { account: acct, seq, ts: Date.now() })
  expireWaits(ctx)
  return send({ w: ctx.baseUrl(req) + '/wait/' + id })
}

/* Wait URLs nobody used are forgotten after ten minutes. */
function expireWaits (ctx) {
  const old = Date.now() - 600000
  for (const [id, w] of ctx.waits) {
    if (w.ts < old) ctx.waits.delete(id)
  }
}

function handleWait (ctx, req, res, id) {
  const w = ctx.waits.get(id)
  const reply = (status) => ctx.faults.send('wait', req, res, status,
    { 'Content-Type': 'text/plain' }, '')
  if (!w) return reply(404)
  ctx.waits.delete(id)
  if (w.account.seq > w.seq) return reply(200)
  let timer = null
  const wake = () => {
    clearTimeout(timer)
    w.account.waiters.delete(wake)
    if (!res.destroyed) reply(200)
  }
  timer = setTimeout(wake, ctx.waitMs)
  w.account.waiters.add(wake)
  res.on('close', () => {
    clearTimeout(timer)
    w.account.waiters.delete(wake)
  })
}

module.exports = { handleSc, handleWait }
