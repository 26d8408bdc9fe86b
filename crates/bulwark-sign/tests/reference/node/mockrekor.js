// Shared by keyless.js and keybundle.js: serving @sigstore/mock handlers through nock, and the Rekor behaviour the
// mock leaves out.
'use strict';

const crypto = require('crypto');
const nock = require('nock');
const { rekorHandler } = require('@sigstore/mock');

// Serves a mock handler at base + handler.path for every request (nock intercepts node's https in process).
function serve(base, handler) {
  nock(base)
    .persist()
    .post(handler.path)
    .reply(async (_, body) => {
      const req = typeof body === 'string' ? body : JSON.stringify(body);
      const { statusCode, response, contentType } = await handler.fn(req);
      return [statusCode, response, { 'Content-Type': contentType || 'text/plain' }];
    });
}

// The mock Rekor logs a proposed entry as it comes. A real Rekor logs a `dsse` v0.0.1 entry in its canonical form
// (rekor pkg/types/dsse/v0.0.1: the envelope's and payload's SHA-256 and one {signature, verifier} per signature),
// so this handler canonicalizes `dsse` proposals before the mock logs them; other kinds pass through unchanged.
function canonicalRekorHandler(tlog) {
  const inner = rekorHandler(tlog);
  const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
  return {
    path: inner.path,
    fn: async (body) => {
      const entry = JSON.parse(body);
      if (entry.kind === 'dsse' && entry.spec && entry.spec.proposedContent) {
        const { envelope, verifiers } = entry.spec.proposedContent;
        const parsed = JSON.parse(envelope);
        const canonical = {
          apiVersion: entry.apiVersion,
          kind: 'dsse',
          spec: {
            envelopeHash: { algorithm: 'sha256', value: sha256(envelope) },
            payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(parsed.payload, 'base64')) },
            signatures: parsed.signatures.map((s) => ({ signature: s.sig, verifier: verifiers[0] })),
          },
        };
        return inner.fn(JSON.stringify(canonical));
      }
      return inner.fn(body);
    },
  };
}

// The trusted-root entry of a mock log.
function logEntry(baseUrl, publicKeyDer, logId, start) {
  const { HashAlgorithm, PublicKeyDetails } = require('@sigstore/protobuf-specs');
  return {
    baseUrl,
    hashAlgorithm: HashAlgorithm.SHA2_256,
    publicKey: { rawBytes: publicKeyDer, keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, validFor: { start } },
    logId: { keyId: logId },
  };
}

module.exports = { serve, canonicalRekorHandler, logEntry };
