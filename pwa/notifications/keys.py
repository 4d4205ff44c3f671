"""The VAPID key pair: from the environment, or generated into the instance folder once."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

PRIVATE_KEY_FILE = "vapid_private.pem"


@dataclass(frozen=True)
class VapidKeys:
    vapid: Vapid02
    public_key: str  # base64url, uncompressed P-256 point: the browser's applicationServerKey
    subject: str


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_key_of(private: ec.EllipticCurvePrivateKey) -> str:
    point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(point)


def load(instance_path: str, configured_pem: str, subject: str) -> VapidKeys:
    """The configured key (PEM text), else the instance folder's, generated on first run."""
    if configured_pem.strip():
        pem = configured_pem.encode()
    else:
        path = Path(instance_path) / PRIVATE_KEY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            generated = ec.generate_private_key(ec.SECP256R1())
            path.write_bytes(
                generated.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            path.chmod(0o600)
        pem = path.read_bytes()
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey) or private.curve.name != "secp256r1":
        raise ValueError("the VAPID key must be a P-256 (prime256v1) private key")
    vapid = Vapid02(private_key=private)
    return VapidKeys(vapid=vapid, public_key=public_key_of(private), subject=subject)
