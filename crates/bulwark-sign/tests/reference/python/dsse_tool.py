#!/usr/bin/env python3
"""DSSE envelopes with independent implementations, for bulwark-sign's interop tests.

securesystemslib's `dsse.Envelope` with `SSlibKey` / `CryptoSigner` (ECDSA P-256 and Ed25519), and in-toto's
`in_toto.models.metadata.Envelope` (which wraps it). No Bulwark code.

  dsse_tool.py verify ENVELOPE PUB KEYID [PAYLOAD_TYPE]  -> the payload on stdout; exit 1 when it does not verify
  dsse_tool.py verify-intoto ENVELOPE PUB KEYID          -> the statement's predicateType on stdout (in-toto)
  dsse_tool.py sign PAYLOAD_FILE PAYLOAD_TYPE KIND KEYID OUT_ENV OUT_PUB
                                                          -> a new key (p256|ed25519) signs; writes both
"""
import json
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import CryptoSigner, SSlibKey


def load_key(pub_path, keyid):
    public_key = serialization.load_pem_public_key(open(pub_path, "rb").read())
    return SSlibKey.from_crypto(public_key, keyid=keyid)


def verify(env_path, pub_path, keyid, payload_type=None):
    envelope = Envelope.from_dict(json.load(open(env_path)))
    if payload_type is not None and envelope.payload_type != payload_type:
        raise SystemExit(f"payloadType {envelope.payload_type!r}, expected {payload_type!r}")
    try:
        envelope.verify([load_key(pub_path, keyid)], 1)
    except VerificationError as e:
        print(f"securesystemslib: {e}", file=sys.stderr)
        sys.exit(1)
    sys.stdout.buffer.write(envelope.payload)


def verify_intoto(env_path, pub_path, keyid):
    from in_toto.models.metadata import Envelope as InTotoEnvelope

    envelope = InTotoEnvelope.from_dict(json.load(open(env_path)))
    try:
        envelope.verify([load_key(pub_path, keyid)], 1)
    except VerificationError as e:
        print(f"in-toto: {e}", file=sys.stderr)
        sys.exit(1)
    statement = json.loads(envelope.payload)
    print(statement["predicateType"])


def sign(payload_path, payload_type, kind, keyid, out_env, out_pub):
    private_key = ec.generate_private_key(ec.SECP256R1()) if kind == "p256" else ed25519.Ed25519PrivateKey.generate()
    public = SSlibKey.from_crypto(private_key.public_key(), keyid=keyid)
    signer = CryptoSigner(private_key, public)
    envelope = Envelope(open(payload_path, "rb").read(), payload_type, {})
    envelope.sign(signer)
    json.dump(envelope.to_dict(), open(out_env, "w"))
    with open(out_pub, "wb") as f:
        f.write(
            private_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )


def main(argv):
    cmd = argv[1]
    if cmd == "verify":
        verify(argv[2], argv[3], argv[4], argv[5] if len(argv) > 5 else None)
    elif cmd == "verify-intoto":
        verify_intoto(argv[2], argv[3], argv[4])
    elif cmd == "sign":
        sign(*argv[2:8])
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
