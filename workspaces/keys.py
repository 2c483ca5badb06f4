"""Random secrets and their keyed hash (STYLE.md §10b).

Every secret MPP issues — personal API tokens, host-app SDK secrets, mini-program AppSecrets —
is random, shown once, and stored only as ``HMAC-SHA256(settings.HASH_PEPPER, secret)`` in hex.
A keyed *fast* hash is right here: the secrets carry over 200 bits of entropy, so there is nothing
to brute-force, and a slow password hash would make every API call burn CPU. The pepper lives
outside the database, so a leaked table alone cannot even confirm a guess.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

from django.conf import settings

# Lower-case RFC 4648 base32: no look-alike 0/1/8/9, safe in URLs, file names and log lines.
PREFIX_ALPHABET = string.ascii_lowercase + "234567"
# Letters and digits only, so a secret never contains the ``_`` that separates token parts.
SECRET_ALPHABET = string.ascii_letters + string.digits
PREFIX_LENGTH = 8
SECRET_LENGTH = 40  # log2(62) * 40 ≈ 238 bits


def random_string(*, length: int, alphabet: str = SECRET_ALPHABET) -> str:
    """``length`` characters drawn uniformly from ``alphabet`` with the OS CSPRNG."""
    if length < 1:
        raise ValueError("length must be positive")
    return "".join(secrets.choice(alphabet) for _ in range(length))


def random_prefix(*, length: int = PREFIX_LENGTH) -> str:
    """A short public identifier (lower-case base32) that finds a secret's row."""
    return random_string(length=length, alphabet=PREFIX_ALPHABET)


def random_secret(*, length: int = SECRET_LENGTH) -> str:
    """The private part of a credential: at least 32 random letters and digits."""
    if length < 32:
        raise ValueError("a secret has at least 32 characters")
    return random_string(length=length, alphabet=SECRET_ALPHABET)


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of ``value`` under the server pepper, as 64 lower-case hex characters."""
    pepper = settings.HASH_PEPPER
    if not pepper:
        raise RuntimeError("settings.HASH_PEPPER must be set")
    return hmac.new(pepper.encode(), value.encode(), hashlib.sha256).hexdigest()


def keyed_hash_matches(value: str, expected_hash: str) -> bool:
    """Whether ``value`` hashes to ``expected_hash``, compared in constant time."""
    # Bytes, not str: compare_digest refuses non-ASCII str, and a stored hash is never trusted.
    return hmac.compare_digest(keyed_hash(value).encode(), (expected_hash or "").encode())
