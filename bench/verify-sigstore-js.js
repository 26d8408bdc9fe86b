// The peer side of bench/verify.sh: sigstore-js (@sigstore/verify, the library behind npm's provenance checks)
// verifying the same key-based Sigstore bundle N times in one process, as bulwark-sign's `verify_bench --bundle`
// does: parse the JSON, then verify the DSSE signature with the public key (no log, no timestamp: the offline,
// key-based mode). Prints per-verification p50 and p99.
//   node bench/verify-sigstore-js.js BUNDLE.json PUB.pem N
'use strict';
const path = require('path');
const mods = path.join(__dirname, '../crates/bulwark-sign/tests/reference/node/node_modules');
const req = (m) => require(path.join(mods, m));
const crypto = require('crypto');
const fs = require('fs');
const { bundleFromJSON } = req('@sigstore/bundle');
const { TrustedRoot } = req('@sigstore/protobuf-specs');
const { Verifier, toSignedEntity, toTrustMaterial } = req('@sigstore/verify');

const [bundlePath, pubPath, n] = process.argv.slice(2);
const text = fs.readFileSync(bundlePath, 'utf8');
const publicKey = crypto.createPublicKey(fs.readFileSync(pubPath, 'utf8'));
const root = TrustedRoot.fromJSON({
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [],
});
const trust = toTrustMaterial(root, () => ({ publicKey, validFor: () => true }));
const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
const times = [];
for (let i = 0; i < Number(n || 1000); i++) {
  const t = process.hrtime.bigint();
  verifier.verify(toSignedEntity(bundleFromJSON(JSON.parse(text))));
  times.push(Number(process.hrtime.bigint() - t) / 1e6);
}
times.sort((a, b) => a - b);
const pct = (p) => times[Math.round((times.length - 1) * p)];
console.log(`sigstore-js bundle verify: n=${times.length} p50=${pct(0.5).toFixed(3)} ms p99=${pct(0.99).toFixed(3)} ms`);
