#!/usr/bin/env python3
"""An independent implementation of cosign's encrypted private key format, for bulwark-sign's tests.

It follows go-securesystemslib's `encrypted` package as cosign uses it: the PEM body is JSON
{"kdf":{"name":"scrypt","params":{"N","r","p"},"salt"},"cipher":{"name":"nacl/secretbox","nonce"},"ciphertext"}
with base64 fields; the key is scrypt(password, salt, N, r, p, 32) and the plaintext is PKCS#8 DER.
It uses PyNaCl's SecretBox, hashlib.scrypt and pyca/cryptography, and no Bulwark code.

  cosign_key.py decrypt-sign KEY PASSWORD MESSAGE   -> base64 signature of MESSAGE's bytes on stdout
  cosign_key.py encrypt KIND PASSWORD OUT_KEY OUT_PUB [N] [LABEL]
                                                     -> a new key (p256|ed25519) in cosign's format (N=32768,
                                                        label ENCRYPTED SIGSTORE PRIVATE KEY by default)
  cosign_key.py pkcs8 KIND OUT_KEY OUT_PUB           -> a new unencrypted PKCS#8 key (p256|ed25519|sec1)
  cosign_key.py verify PUB MESSAGE SIGNATURE_B64     -> exit 0 when the signature verifies
"""
import base64
import hashlib
import json
import os
import sys

import nacl.secret
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

LABELS = ("ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY")


def pem_body(text, labels):
    for label in labels:
        begin, end = f"-----BEGIN {label}-----", f"-----END {label}-----"
        if begin in text:
            inner = text.split(begin, 1)[1].split(end, 1)[0]
            return base64.b64decode("".join(inner.split()))
    raise SystemExit(f"no {labels} block")


def scrypt_key(password, salt, n, r, p):
    return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, dklen=32, maxmem=256 * 1024 * 1024)


def decrypt(path, password):
    doc = json.loads(pem_body(open(path).read(), LABELS))
    assert doc["kdf"]["name"] == "scrypt", doc["kdf"]["name"]
    assert doc["cipher"]["name"] == "nacl/secretbox", doc["cipher"]["name"]
    params = doc["kdf"]["params"]
    key = scrypt_key(password, base64.b64decode(doc["kdf"]["salt"]), params["N"], params["r"], params["p"])
    box = nacl.secret.SecretBox(key)
    der = box.decrypt(base64.b64decode(doc["ciphertext"]), base64.b64decode(doc["cipher"]["nonce"]))
    return serialization.load_der_private_key(der, password=None)


def sign(private_key, message):
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return private_key.sign(message, ec.ECDSA(hashes.SHA256()))
    return private_key.sign(message)


def write_pub(private_key, out_pub):
    with open(out_pub, "wb") as f:
        f.write(
            private_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )


def pkcs8(kind, out_key, out_pub):
    private_key = ed25519.Ed25519PrivateKey.generate() if kind == "ed25519" else ec.generate_private_key(ec.SECP256R1())
    fmt = serialization.PrivateFormat.TraditionalOpenSSL if kind == "sec1" else serialization.PrivateFormat.PKCS8
    with open(out_key, "wb") as f:
        f.write(private_key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()))
    write_pub(private_key, out_pub)


def encrypt(kind, password, out_key, out_pub, n=32768, label=LABELS[0]):
    private_key = ec.generate_private_key(ec.SECP256R1()) if kind == "p256" else ed25519.Ed25519PrivateKey.generate()
    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    salt, nonce = os.urandom(32), os.urandom(24)
    r, p = 8, 1
    box = nacl.secret.SecretBox(scrypt_key(password, salt, n, r, p))
    ciphertext = box.encrypt(der, nonce).ciphertext  # tag || ciphertext, as Go's secretbox.Seal
    doc = {
        "kdf": {"name": "scrypt", "params": {"N": n, "r": r, "p": p}, "salt": base64.b64encode(salt).decode()},
        "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(nonce).decode()},
        "ciphertext": base64.b64encode(ciphertext).decode(),
    }
    body = base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    with open(out_key, "w") as f:
        f.write(f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n")
    write_pub(private_key, out_pub)


def verify(pub_path, message, sig_b64):
    public_key = serialization.load_pem_public_key(open(pub_path, "rb").read())
    sig = base64.b64decode(sig_b64)
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(sig, message, ec.ECDSA(hashes.SHA256()))
        else:
            public_key.verify(sig, message)
    except InvalidSignature:
        raise SystemExit("signature does not verify")


def main(argv):
    cmd = argv[1]
    if cmd == "decrypt-sign":
        key = decrypt(argv[2], argv[3].encode())
        print(base64.b64encode(sign(key, open(argv[4], "rb").read())).decode())
    elif cmd == "encrypt":
        n = int(argv[6]) if len(argv) > 6 else 32768
        label = argv[7] if len(argv) > 7 else LABELS[0]
        encrypt(argv[2], argv[3].encode(), argv[4], argv[5], n, label)
    elif cmd == "pkcs8":
        pkcs8(argv[2], argv[3], argv[4])
    elif cmd == "verify":
        verify(argv[2], open(argv[3], "rb").read(), argv[4])
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
