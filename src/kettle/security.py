"""Password hashing and safe path joining, compatible with the hashes Werkzeug writes.

Owns ``generate_password_hash``, ``check_password_hash``, ``gen_salt`` and ``safe_join``.

Rules:
- Hash strings have Werkzeug's layout, ``method$salt$hexdigest``, so user tables written
  by Flask/Werkzeug apps keep working and vice versa: ``scrypt:N:r:p`` (default
  ``scrypt:32768:8:1``, 64-byte key) and ``pbkdf2:HASH:ITERATIONS`` (default
  ``pbkdf2:sha256:1000000``, digest-sized key). Plain ``HASH`` methods are refused.
- Checking uses ``hmac.compare_digest``; a malformed stored hash returns ``False``,
  never raises.
- ``safe_join`` returns ``None`` for any path that could leave the base directory:
  absolute paths, ``..`` segments, backslashes or drive letters, NUL bytes, and Windows
  device names.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from kettle.web.files import safe_join, secure_filename

SALT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
DEFAULT_PBKDF2_ITERATIONS = 1_000_000
_SCRYPT_DEFAULTS = (2**15, 8, 1)


def gen_salt(length: int) -> str:
    """A random string of ``length`` letters and digits."""
    if length <= 0:
        raise ValueError("Salt length must be at least 1.")
    return "".join(secrets.choice(SALT_CHARS) for _ in range(length))


def _int_param(text: str, what: str) -> int:
    if not text.isdigit():
        raise ValueError(f"Invalid {what} {text!r} in the hash method.")
    return int(text)


def _hash_internal(method: str, salt: str, password: str) -> tuple[str, str]:
    """``(hexdigest, actual_method)`` for ``method`` (``scrypt:...`` or ``pbkdf2:...``)."""
    name, *args = method.split(":")
    salt_bytes = salt.encode()
    secret = password.encode()
    if name == "scrypt":
        if not args:
            n, r, p = _SCRYPT_DEFAULTS
        elif len(args) == 3:
            n, r, p = (_int_param(arg, "scrypt parameter") for arg in args)
        else:
            raise ValueError("'scrypt' takes 3 arguments: scrypt:N:r:p.")
        digest = hashlib.scrypt(
            secret, salt=salt_bytes, n=n, r=r, p=p, maxmem=132 * n * r * p, dklen=64
        )
        return digest.hex(), f"scrypt:{n}:{r}:{p}"
    if name == "pbkdf2":
        hash_name = args[0] if args else "sha256"
        if len(args) > 2:
            raise ValueError("'pbkdf2' takes 2 arguments: pbkdf2:HASH:ITERATIONS.")
        iterations = (
            _int_param(args[1], "iteration count") if len(args) == 2 else DEFAULT_PBKDF2_ITERATIONS
        )
        if iterations < 1:
            raise ValueError("pbkdf2 needs at least one iteration.")
        digest = hashlib.pbkdf2_hmac(hash_name, secret, salt_bytes, iterations)
        return digest.hex(), f"pbkdf2:{hash_name}:{iterations}"
    raise ValueError(f"Invalid hash method {method!r}: use 'scrypt' or 'pbkdf2'.")


def generate_password_hash(password: str, method: str = "scrypt", salt_length: int = 16) -> str:
    """Hash ``password`` with a fresh salt: ``method$salt$hexdigest``."""
    salt = gen_salt(salt_length)
    digest, actual = _hash_internal(method, salt, password)
    return f"{actual}${salt}${digest}"


def check_password_hash(pwhash: str, password: str) -> bool:
    """Whether ``password`` matches ``pwhash`` (a string from ``generate_password_hash``)."""
    try:
        method, salt, digest = pwhash.split("$", 2)
    except ValueError:
        return False
    try:
        computed, _actual = _hash_internal(method, salt, password)
    except (ValueError, MemoryError, OverflowError):
        return False
    return hmac.compare_digest(computed, digest)


__all__ = [
    "check_password_hash",
    "gen_salt",
    "generate_password_hash",
    "safe_join",
    "secure_filename",
]
