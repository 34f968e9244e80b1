'use strict'
/*
 * megajs calls the Web Crypto API on the global object
 * (crypto.getRandomValues, crypto.subtle), which Node.js defines there
 * from version 19 on.  Debian 12's nodejs is 18, where the same object
 * is require('node:crypto').webcrypto and the global is missing.  Every
 * script that loads megajs requires this file first (or runs node with
 * --require webcrypto.js), so that the tests run on Node.js 18 and on
 * newer releases alike.
 */
if (typeof globalThis.crypto === 'undefined' ||
    typeof globalThis.crypto.getRandomValues !== 'function') {
  Object.defineProperty(globalThis, 'crypto', {
    value: require('node:crypto').webcrypto,
    configurable: true,
    enumerable: false,
    writable: true
  })
}
