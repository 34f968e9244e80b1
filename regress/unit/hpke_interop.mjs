// Interop of crypto/hpke.c (through hpke_driver) with hpke-js, an
// independent HPKE implementation: mode_auth, DHKEM(X25519,
// HKDF-SHA256), HKDF-SHA256, AES-256-GCM, info "clawd", the drop file
// name as aad.  hpke-js seals and C opens, C seals and hpke-js opens,
// for several message sizes and fresh random keys from both sides; a
// changed aad must be refused by both.  TAP on stdout, exit 1 on any
// failure.  Run by hpke_interop.sh: node hpke_interop.mjs DRIVER

import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
// hpke_interop.sh names the directory with node_modules.
const jsdir = process.env.HPKE_JS_DIR ?? path.join(here, "hpke-js");
const require = createRequire(path.join(jsdir, "package.json"));
const { Aes256Gcm, CipherSuite, HkdfSha256 } = await import(
  require.resolve("@hpke/core"));
const { DhkemX25519HkdfSha256 } = await import(
  require.resolve("@hpke/dhkem-x25519"));

const driver = process.argv[2];
const suite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});
const enc8 = new TextEncoder();
const info = enc8.encode("clawd");
const aad = enc8.encode("pending-abc.bin");
const badAad = enc8.encode("pending-abd.bin");
const sizes = [0, 1, 15, 16, 17, 100, 1000, 4096, 65000];

let n = 0;
let failed = 0;
function ok(cond, what) {
  n++;
  if (!cond) failed++;
  console.log(`${cond ? "" : "not "}ok ${n} - ${what}`);
}

const hex = (b) => Buffer.from(b).toString("hex");
const unhex = (s) => new Uint8Array(Buffer.from(s, "hex"));

// One driver run: lines of hex in, lines of hex out, null on failure.
function drive(op, lines) {
  const r = spawnSync(driver, [op], {
    input: lines.map((l) => l + "\n").join(""),
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) return null;
  return r.stdout.trim().split("\n");
}

// A key pair from either side, as raw bytes and hpke-js keys.
async function jsKeyPair() {
  const kp = await suite.kem.generateKeyPair();
  const sk = new Uint8Array(await suite.kem.serializePrivateKey(kp.privateKey));
  const pk = new Uint8Array(await suite.kem.serializePublicKey(kp.publicKey));
  return { sk, pk, kp };
}
async function cKeyPair() {
  const [sk, pk] = drive("keypair", []);
  return {
    sk: unhex(sk),
    pk: unhex(pk),
    kp: {
      privateKey: await suite.kem.deserializePrivateKey(unhex(sk)),
      publicKey: await suite.kem.deserializePublicKey(unhex(pk)),
    },
  };
}

async function jsOpen(r, s, encv, ct, a) {
  try {
    const pt = await suite.open({
      recipientKey: r.kp,
      enc: encv,
      senderPublicKey: s.kp.publicKey,
      info,
    }, ct, a);
    return new Uint8Array(pt);
  } catch {
    return null;
  }
}

const js = await jsKeyPair();
const pk = drive("pubkey", [hex(js.sk)]);
ok(pk !== null && pk[0] === hex(js.pk), "C derives hpke-js's public key");
const c = await cKeyPair();
ok(hex(new Uint8Array(await suite.kem.serializePublicKey(c.kp.publicKey)))
  === hex(c.pk), "hpke-js takes C's key pair");

for (const size of sizes) {
  // Sender and recipient each from a different side, fresh each time.
  const sender = size % 2 ? await jsKeyPair() : await cKeyPair();
  const recip = size % 2 ? await cKeyPair() : await jsKeyPair();
  const pt = new Uint8Array(randomBytes(size));

  // (1) hpke-js seals, C opens.
  const sealed = await suite.seal({
    recipientPublicKey: recip.kp.publicKey,
    senderKey: sender.kp,
    info,
  }, pt, aad);
  const encv = new Uint8Array(sealed.enc);
  const ct = new Uint8Array(sealed.ct);
  let out = drive("open", [hex(encv), hex(recip.sk), hex(sender.pk),
    hex(info), hex(aad), hex(ct)]);
  ok(out !== null && (out[0] ?? "") === hex(pt),
    `${size} bytes: hpke-js seals, C opens`);
  out = drive("open", [hex(encv), hex(recip.sk), hex(sender.pk),
    hex(info), hex(badAad), hex(ct)]);
  ok(out === null,
    `${size} bytes: C refuses hpke-js's blob with another aad`);
  out = drive("open", [hex(encv), hex(recip.sk), hex(recip.pk),
    hex(info), hex(aad), hex(ct)]);
  ok(out === null,
    `${size} bytes: C refuses hpke-js's blob from another sender`);

  // (2) C seals, hpke-js opens.
  const sc = drive("seal", [hex(recip.pk), hex(sender.sk), hex(info),
    hex(aad), hex(pt)]);
  if (sc === null) {
    ok(false, `${size} bytes: C seals`);
    continue;
  }
  const cenc = unhex(sc[0]);
  const cct = unhex(sc[1] ?? "");
  ok(cct.length === size + 16, `${size} bytes: C seals, length`);
  const opened = await jsOpen(recip, sender, cenc, cct, aad);
  ok(opened !== null && hex(opened) === hex(pt),
    `${size} bytes: C seals, hpke-js opens`);
  ok(await jsOpen(recip, sender, cenc, cct, badAad) === null,
    `${size} bytes: hpke-js refuses C's blob with another aad`);
  ok(await jsOpen(recip, recip, cenc, cct, aad) === null,
    `${size} bytes: hpke-js refuses C's blob from another sender`);
}

console.log(`1..${n}`);
process.exit(failed === 0 ? 0 : 1);
