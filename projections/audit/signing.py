"""The Ed25519 key that signs audit checkpoints. It lives in a file outside the database (created on first
start, readable by its owner only); only its public half is published."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from projections.audit.chain import canonical_json


class Signer:
    def __init__(self, private_key: Ed25519PrivateKey):
        self._key = private_key

    @classmethod
    def from_file(cls, path: Path) -> Signer:
        """Load the key, generating it first if the file does not exist yet (safe if two processes race)."""
        path = Path(path)
        if not path.exists():
            _create_key_file(path)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return cls(key)

    @property
    def public_key(self) -> str:
        return public_key_hex(self._key.public_key())

    def sign(self, payload: dict[str, Any]) -> str:
        return self._key.sign(canonical_json(payload)).hex()

    def derive_key(self, purpose: str) -> bytes:
        """A secret for `purpose`, the same in every process holding this key: Ed25519 signatures are
        deterministic (RFC 8032), and no one without the private key can compute one."""
        return hashlib.sha256(self._key.sign(f"civicflow derived key: {purpose}".encode())).digest()


def public_key_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def signature_is_valid(public_key: str, payload: dict[str, Any], signature: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(bytes.fromhex(signature),
                                                                             canonical_json(payload))
    except (InvalidSignature, ValueError):
        return False
    return True


def _create_key_file(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-key-")
    try:
        os.write(fd, pem)
        os.close(fd)
        os.chmod(temporary, 0o600)
        try:
            os.link(temporary, path)  # atomic, and fails if another process made the key first
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)
