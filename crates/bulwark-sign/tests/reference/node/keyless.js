#!/usr/bin/env node
// Keyless Sigstore bundles made offline with @sigstore/mock, the reference for bulwark-sign's keyless_interop.rs.
//
//   node keyless.js make OUTDIR SUBJECT ISSUER
//   node keyless.js image OUTDIR SUBJECT ISSUER SHA256_HEX
//
// Starts an in-process Sigstore (the mock's Fulcio CA with its CT log, its Rekor log and its timestamp
// authority; nock intercepts the HTTPS calls, so nothing leaves the process), signs with @sigstore/sign exactly as
// a keyless client does (an ephemeral key, a Fulcio certificate for an OIDC token whose `sub` is SUBJECT and `iss`
// ISSUER, a Rekor entry), and writes:
//   OUTDIR/trusted_root.json   the root of that instance (CA, Rekor key, CT log key, timestamp authority)
//   OUTDIR/artifact.txt        an artifact
//   OUTDIR/message.json        a message-signature bundle over the artifact (hashedrekord entry)
//   OUTDIR/dsse.json           a DSSE bundle of an in-toto statement whose subject is the artifact (dsse entry, in
//                              the canonical form a real Rekor logs, see mockrekor.js)
//   OUTDIR/intoto.json         the same statement logged as an intoto entry
//   OUTDIR/stamped.json        the same with an intoto entry and an RFC 3161 timestamp from the mock's authority
// Each bundle is first verified with @sigstore/verify against that root, so a fixture sigstore-js rejects never
// reaches the Rust tests; the script prints "sigstore-js verified 4 bundles".
// `image` writes OUTDIR/trusted_root.json and OUTDIR/image.json: a keyless cosign v3 image signature (a DSSE
// in-toto statement, predicate type https://sigstore.dev/cosign/sign/v1, subject = the manifest digest
// SHA256_HEX, as cosign's signDigestBundle writes it), verified by sigstore-js first.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const nock = require('nock');
const { canonicalRekorHandler, logEntry, serve } = require('./mockrekor');
const { bundleFromJSON, bundleToJSON } = require('@sigstore/bundle');
const {
  fulcioHandler,
  initializeCA,
  initializeCTLog,
  initializeTLog,
  initializeTSA,
  tsaHandler,
} = require('@sigstore/mock');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const {
  DSSEBundleBuilder,
  FulcioSigner,
  MessageSignatureBundleBuilder,
  RekorWitness,
  TSAWitness,
} = require('@sigstore/sign');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');

const FULCIO = 'https://fulcio.sigstore.dev';
const REKOR = 'https://rekor.sigstore.dev';
const TSA = 'https://timestamp.sigstore.dev';

// An unsigned JWT: the mock Fulcio reads the claims without checking a signature.
function token(claims) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

function trustedRoot(ca, ctlog, tlog, tsa) {
  const start = new Date(Date.now() - 60_000);
  return TrustedRoot.toJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    certificateAuthorities: [
      {
        subject: { commonName: 'sigstore', organization: 'sigstore.mock' },
        uri: FULCIO,
        certChain: { certificates: [{ rawBytes: Buffer.from(ca.rootCertificate) }] },
        validFor: { start },
      },
    ],
    tlogs: [logEntry(REKOR, tlog.publicKey, crypto.createHash('sha256').update(tlog.publicKey).digest(), start)],
    ctlogs: [logEntry('https://ctfe.sigstore.dev', ctlog.publicKey, Buffer.from(ctlog.logID), start)],
    timestampAuthorities: [
      {
        subject: { commonName: 'tsa', organization: 'sigstore.mock' },
        uri: TSA,
        certChain: {
          certificates: [{ rawBytes: Buffer.from(tsa.intCertificate) }, { rawBytes: Buffer.from(tsa.rootCertificate) }],
        },
        validFor: { start },
      },
    ],
  });
}

async function make(outdir, subject, issuer) {
  const keys = () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caKeys = keys();
  const ctlog = await initializeCTLog(caKeys);
  const ca = await initializeCA(caKeys, ctlog);
  const tlog = await initializeTLog(REKOR, keys());
  const tsa = await initializeTSA(keys());
  serve(FULCIO, fulcioHandler(ca));
  serve(REKOR, canonicalRekorHandler(tlog));
  serve(TSA, tsaHandler(tsa));

  const root = trustedRoot(ca, ctlog, tlog, tsa);
  fs.mkdirSync(outdir, { recursive: true });
  fs.writeFileSync(path.join(outdir, 'trusted_root.json'), JSON.stringify(root, null, 2));

  const identityProvider = { getToken: async () => token({ sub: subject, iss: issuer }) };
  const signer = () => new FulcioSigner({ identityProvider, fulcioBaseURL: FULCIO });
  const artifact = Buffer.from(`bulwark keyless interop ${crypto.randomUUID()}\n`);
  fs.writeFileSync(path.join(outdir, 'artifact.txt'), artifact);

  const message = await new MessageSignatureBundleBuilder({
    signer: signer(),
    witnesses: [new RekorWitness({ rekorBaseURL: REKOR })],
  }).create({ data: artifact });

  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [
      { name: 'artifact.txt', digest: { sha256: crypto.createHash('sha256').update(artifact).digest('hex') } },
    ],
    predicateType: 'https://bulwark.dev/test/v1',
    predicate: { made_by: '@sigstore/mock' },
  };
  const dsse = await new DSSEBundleBuilder({
    signer: signer(),
    witnesses: [new RekorWitness({ rekorBaseURL: REKOR, entryType: 'dsse' })],
  }).create({ data: Buffer.from(JSON.stringify(statement)), type: 'application/vnd.in-toto+json' });
  const intoto = await new DSSEBundleBuilder({
    signer: signer(),
    witnesses: [new RekorWitness({ rekorBaseURL: REKOR, entryType: 'intoto' })],
  }).create({ data: Buffer.from(JSON.stringify(statement)), type: 'application/vnd.in-toto+json' });

  // A DSSE bundle with a Rekor entry and an RFC 3161 timestamp.
  const stamped = await new DSSEBundleBuilder({
    signer: signer(),
    witnesses: [new RekorWitness({ rekorBaseURL: REKOR, entryType: 'intoto' }), new TSAWitness({ tsaBaseURL: TSA })],
  }).create({ data: Buffer.from(JSON.stringify(statement)), type: 'application/vnd.in-toto+json' });

  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root)), {
    tlogThreshold: 1,
    ctlogThreshold: 1,
    timestampThreshold: 1,
  });
  const policy = { subjectAlternativeName: subject, extensions: { issuer } };
  verifier.verify(toSignedEntity(message, artifact), policy);
  verifier.verify(toSignedEntity(dsse), policy);
  verifier.verify(toSignedEntity(intoto), policy);
  verifier.verify(toSignedEntity(stamped), policy);

  fs.writeFileSync(path.join(outdir, 'message.json'), JSON.stringify(bundleToJSON(message), null, 2));
  fs.writeFileSync(path.join(outdir, 'dsse.json'), JSON.stringify(bundleToJSON(dsse), null, 2));
  fs.writeFileSync(path.join(outdir, 'intoto.json'), JSON.stringify(bundleToJSON(intoto), null, 2));
  fs.writeFileSync(path.join(outdir, 'stamped.json'), JSON.stringify(bundleToJSON(stamped), null, 2));
  // Round trip through the parser so a malformed bundle fails here too.
  bundleFromJSON(JSON.parse(fs.readFileSync(path.join(outdir, 'message.json'), 'utf8')));
  return 'sigstore-js verified 4 bundles';
}

async function image(outdir, subject, issuer, hex) {
  const keys = () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caKeys = keys();
  const ctlog = await initializeCTLog(caKeys);
  const ca = await initializeCA(caKeys, ctlog);
  const tlog = await initializeTLog(REKOR, keys());
  const tsa = await initializeTSA(keys());
  serve(FULCIO, fulcioHandler(ca));
  serve(REKOR, canonicalRekorHandler(tlog));
  const root = trustedRoot(ca, ctlog, tlog, tsa);
  fs.mkdirSync(outdir, { recursive: true });
  fs.writeFileSync(path.join(outdir, 'trusted_root.json'), JSON.stringify(root, null, 2));
  const identityProvider = { getToken: async () => token({ sub: subject, iss: issuer }) };
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ digest: { sha256: hex }, annotations: {} }],
    predicateType: 'https://sigstore.dev/cosign/sign/v1',
    predicate: {},
  };
  const bundle = await new DSSEBundleBuilder({
    signer: new FulcioSigner({ identityProvider, fulcioBaseURL: FULCIO }),
    witnesses: [new RekorWitness({ rekorBaseURL: REKOR, entryType: 'dsse' })],
  }).create({ data: Buffer.from(JSON.stringify(statement)), type: 'application/vnd.in-toto+json' });
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root)), {
    tlogThreshold: 1,
    ctlogThreshold: 1,
    timestampThreshold: 0,
  });
  verifier.verify(toSignedEntity(bundle), { subjectAlternativeName: subject, extensions: { issuer } });
  fs.writeFileSync(path.join(outdir, 'image.json'), JSON.stringify(bundleToJSON(bundle)));
  return 'sigstore-js verified the image bundle';
}

async function main(argv) {
  nock.disableNetConnect();
  const [cmd, ...args] = argv;
  if (cmd === 'make') {
    return make(...args);
  }
  if (cmd === 'image') {
    return image(...args);
  }
  throw new Error(`unknown command ${cmd}`);
}

main(process.argv.slice(2)).then(
  (msg) => console.log(msg),
  (err) => {
    console.error(`${err.code || err.name}: ${err.message}`);
    process.exit(1);
  },
);
