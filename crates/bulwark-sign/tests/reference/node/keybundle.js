#!/usr/bin/env node
// Key-based Sigstore bundles with sigstore-js, the reference for bulwark-sign's bundle_interop.rs.
//
//   node keybundle.js genkey DIR                       -> DIR/key.pem (PKCS#8), DIR/pub.pem (SPKI), ECDSA P-256
//   node keybundle.js verify BUNDLE PUB.pem [ARTIFACT] -> exit 0 "verified", or exit 1 with sigstore-js's error
//   node keybundle.js sign-message KEY.pem PUB.pem ARTIFACT OUT
//   node keybundle.js sign-dsse KEY.pem PUB.pem PAYLOAD PAYLOAD_TYPE OUT
//   node keybundle.js sign-logged KEY.pem PUB.pem ARTIFACT OUTDIR
//
// verify uses @sigstore/verify's Verifier with trust material holding only the given public key (the
// `keySelector` of sigstore-js), no transparency log, no timestamp and no CT log required: the offline, key-based
// mode. sign-message and sign-dsse use @sigstore/sign's bundle builders with a custom signer (the key) and no
// witness (no Rekor). sign-logged adds a RekorWitness against an in-process @sigstore/mock Rekor (nock; nothing
// leaves the process), as `cosign sign --key` with its default tlog upload, and writes OUTDIR/trusted_root.json
// (that log only), OUTDIR/message.json (a hashedrekord entry) and OUTDIR/dsse.json (an in-toto statement about the
// artifact, a dsse entry); both are first verified with @sigstore/verify (the key, tlogThreshold 1).
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { bundleFromJSON, bundleToJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const { DSSEBundleBuilder, MessageSignatureBundleBuilder } = require('@sigstore/sign');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');

const REKOR = 'https://rekor.sigstore.dev';

// cosign's hint: base64(sha256(SPKI DER)).
function hint(publicKey) {
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return crypto.createHash('sha256').update(der).digest('base64');
}

function keySigner(keyPem, pubPem) {
  const key = crypto.createPrivateKey(keyPem);
  const pub = crypto.createPublicKey(pubPem);
  return {
    sign: async (data) => ({
      signature: crypto.sign('sha256', data, key),
      key: { $case: 'publicKey', publicKey: pubPem, hint: hint(pub) },
    }),
  };
}

async function main(argv) {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case 'genkey': {
      const [dir] = args;
      const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      fs.writeFileSync(path.join(dir, 'key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
      fs.writeFileSync(path.join(dir, 'pub.pem'), publicKey.export({ format: 'pem', type: 'spki' }));
      return 'generated';
    }
    case 'verify': {
      const [bundlePath, pubPath, artifactPath] = args;
      const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(bundlePath, 'utf8')));
      const publicKey = crypto.createPublicKey(fs.readFileSync(pubPath, 'utf8'));
      const root = TrustedRoot.fromJSON({
        mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
        tlogs: [],
        certificateAuthorities: [],
        ctlogs: [],
        timestampAuthorities: [],
      });
      const trust = toTrustMaterial(root, () => ({ publicKey, validFor: () => true }));
      const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
      const artifact = artifactPath ? fs.readFileSync(artifactPath) : undefined;
      verifier.verify(toSignedEntity(bundle, artifact));
      return 'verified';
    }
    case 'sign-message': {
      const [keyPath, pubPath, artifactPath, out] = args;
      const builder = new MessageSignatureBundleBuilder({
        signer: keySigner(fs.readFileSync(keyPath, 'utf8'), fs.readFileSync(pubPath, 'utf8')),
        witnesses: [],
      });
      const bundle = await builder.create({ data: fs.readFileSync(artifactPath) });
      fs.writeFileSync(out, JSON.stringify(bundleToJSON(bundle)));
      return 'signed';
    }
    case 'sign-dsse': {
      const [keyPath, pubPath, payloadPath, payloadType, out] = args;
      const builder = new DSSEBundleBuilder({
        signer: keySigner(fs.readFileSync(keyPath, 'utf8'), fs.readFileSync(pubPath, 'utf8')),
        witnesses: [],
      });
      const bundle = await builder.create({ data: fs.readFileSync(payloadPath), type: payloadType });
      fs.writeFileSync(out, JSON.stringify(bundleToJSON(bundle)));
      return 'signed';
    }
    case 'sign-logged': {
      const nock = require('nock');
      const { initializeTLog } = require('@sigstore/mock');
      const { RekorWitness } = require('@sigstore/sign');
      const { canonicalRekorHandler, logEntry, serve } = require('./mockrekor');
      nock.disableNetConnect();
      const [keyPath, pubPath, artifactPath, outdir] = args;
      const tlog = await initializeTLog(REKOR, crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }));
      serve(REKOR, canonicalRekorHandler(tlog));
      const start = new Date(Date.now() - 60_000);
      const root = TrustedRoot.toJSON({
        mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
        tlogs: [logEntry(REKOR, tlog.publicKey, crypto.createHash('sha256').update(tlog.publicKey).digest(), start)],
        certificateAuthorities: [],
        ctlogs: [],
        timestampAuthorities: [],
      });
      fs.mkdirSync(outdir, { recursive: true });
      fs.writeFileSync(path.join(outdir, 'trusted_root.json'), JSON.stringify(root, null, 2));
      const signer = keySigner(fs.readFileSync(keyPath, 'utf8'), fs.readFileSync(pubPath, 'utf8'));
      const artifact = fs.readFileSync(artifactPath);
      const message = await new MessageSignatureBundleBuilder({
        signer,
        witnesses: [new RekorWitness({ rekorBaseURL: REKOR })],
      }).create({ data: artifact });
      const statement = {
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: 'artifact', digest: { sha256: crypto.createHash('sha256').update(artifact).digest('hex') } }],
        predicateType: 'https://bulwark.dev/test/v1',
        predicate: {},
      };
      const dsse = await new DSSEBundleBuilder({
        signer,
        witnesses: [new RekorWitness({ rekorBaseURL: REKOR, entryType: 'dsse' })],
      }).create({ data: Buffer.from(JSON.stringify(statement)), type: 'application/vnd.in-toto+json' });
      const publicKey = crypto.createPublicKey(fs.readFileSync(pubPath, 'utf8'));
      const trust = toTrustMaterial(TrustedRoot.fromJSON(root), () => ({ publicKey, validFor: () => true }));
      const verifier = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
      verifier.verify(toSignedEntity(message, artifact));
      verifier.verify(toSignedEntity(dsse));
      fs.writeFileSync(path.join(outdir, 'message.json'), JSON.stringify(bundleToJSON(message)));
      fs.writeFileSync(path.join(outdir, 'dsse.json'), JSON.stringify(bundleToJSON(dsse)));
      return 'sigstore-js verified 2 logged bundles';
    }
    default:
      throw new Error(`unknown command ${cmd}`);
  }
}

main(process.argv.slice(2)).then(
  (msg) => console.log(msg),
  (err) => {
    console.error(`${err.code || err.name}: ${err.message}`);
    process.exit(1);
  },
);
