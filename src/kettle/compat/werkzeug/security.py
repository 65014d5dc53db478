"""Mirror of ``werkzeug.security`` (``kettle.security``: Werkzeug's hash format)."""

from __future__ import annotations

from kettle.security import (
    DEFAULT_PBKDF2_ITERATIONS,
    SALT_CHARS,
    check_password_hash,
    gen_salt,
    generate_password_hash,
    safe_join,
)

__all__ = [
    "DEFAULT_PBKDF2_ITERATIONS",
    "SALT_CHARS",
    "check_password_hash",
    "gen_salt",
    "generate_password_hash",
    "safe_join",
]
