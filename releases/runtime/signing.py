"""Signed runtime answers (issue 11): every body the runtime API sends carries an Ed25519
signature of its exact bytes, so an SDK can trust an answer that came through any CDN or proxy.

``X-MPP-Signature: ed25519=<base64 signature>`` and ``X-MPP-Key-Id: <key id>``; the public keys
are published at ``GET /runtime/v1/keys``, on each host app's page and in the API docs.

The private key is ``settings.RUNTIME_SIGNING_KEY``: 32 random bytes in base64 (production
refuses to start without it). In development and tests it is derived from ``SECRET_KEY`` with
HKDF, so it is stable across restarts and processes without any setup.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from workspaces.extensions import HostAppPanel

ALGORITHM = "ed25519"
SIGNATURE_HEADER = "X-MPP-Signature"
KEY_ID_HEADER = "X-MPP-Key-Id"
_HKDF_INFO = b"mpp runtime answer signing key v1"


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    public_raw: bytes
    key_id: str

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_raw).decode()


def parse_private_key(value: str) -> bytes:
    """The 32 raw bytes of a base64 ``RUNTIME_SIGNING_KEY``, or ``ImproperlyConfigured``."""
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("RUNTIME_SIGNING_KEY is not valid base64.") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(
            "RUNTIME_SIGNING_KEY must be 32 random bytes in base64, e.g. "
            "python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'"
        )
    return raw


def _derived_private_key() -> bytes:
    """Development and tests: 32 bytes derived from SECRET_KEY (stable, never configured)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        settings.SECRET_KEY.encode()
    )


def key_id_of(public_raw: bytes) -> str:
    """A short public name of a key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


@lru_cache(maxsize=4)
def _load(configured: str, secret_key: str) -> SigningKey:
    raw = parse_private_key(configured) if configured else _derived_private_key()
    private = Ed25519PrivateKey.from_private_bytes(raw)
    public_raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return SigningKey(private=private, public_raw=public_raw, key_id=key_id_of(public_raw))


def signing_key() -> SigningKey:
    """The current key (loaded once per process per setting value)."""
    return _load(getattr(settings, "RUNTIME_SIGNING_KEY", "") or "", settings.SECRET_KEY)


def sign(body: bytes) -> str:
    """The ``X-MPP-Signature`` value for ``body``: ``ed25519=<base64 signature>``."""
    signature = signing_key().private.sign(body)
    return f"{ALGORITHM}={base64.b64encode(signature).decode()}"


def signature_headers(body: bytes) -> dict[str, str]:
    key = signing_key()
    return {
        SIGNATURE_HEADER: f"{ALGORITHM}={base64.b64encode(key.private.sign(body)).decode()}",
        KEY_ID_HEADER: key.key_id,
    }


def public_keys() -> list[dict[str, str]]:
    """The keys an SDK may verify answers with (one today; a rotation would list two)."""
    key = signing_key()
    return [{"key_id": key.key_id, "algorithm": ALGORITHM, "public_key": key.public_b64}]


def verify(body: bytes, header: str, public_key_b64: str) -> bool:
    """Does ``header`` (``ed25519=<base64>``) sign ``body`` under ``public_key_b64``? What an SDK
    does; used by the tests and the README's example."""
    algorithm, _, encoded = (header or "").partition("=")
    if algorithm != ALGORITHM:
        return False
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))
        public.verify(base64.b64decode(encoded), body)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def host_app_panel(*, host_app: object) -> HostAppPanel:
    """The host app page's "Runtime API" section (``register_host_app_panel``)."""
    key = signing_key()
    return HostAppPanel(
        template="releases/runtime/_host_app_panel.html",
        context={
            "endpoint": f"{settings.SITE_URL}/runtime/v1/resolve",
            "keys_url": f"{settings.SITE_URL}/runtime/v1/keys",
            "public_key": key.public_b64,
            "key_id": key.key_id,
        },
    )
