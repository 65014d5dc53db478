"""Password hashes in Werkzeug's formats, both directions, and safe_join."""

from __future__ import annotations

import hashlib

import pytest
from werkzeug.security import check_password_hash as werkzeug_check
from werkzeug.security import generate_password_hash as werkzeug_generate

from kettle.security import check_password_hash, gen_salt, generate_password_hash, safe_join

# Cheap parameters keep the suite fast; the defaults are covered once each below.
METHODS = ["scrypt:16384:8:1", "pbkdf2:sha256:1000", "pbkdf2:sha512:500", "pbkdf2:sha1:100"]


@pytest.mark.parametrize("method", METHODS)
def test_werkzeug_hashes_verify(method: str) -> None:
    stored = werkzeug_generate("s3cret pässword", method)
    assert check_password_hash(stored, "s3cret pässword")
    assert not check_password_hash(stored, "s3cret passwort")


@pytest.mark.parametrize("method", METHODS)
def test_our_hashes_verify_in_werkzeug(method: str) -> None:
    stored = generate_password_hash("s3cret pässword", method)
    assert stored.startswith(method + "$")
    assert werkzeug_check(stored, "s3cret pässword")
    assert not werkzeug_check(stored, "nope")


def test_defaults_match_werkzeug() -> None:
    scrypt = generate_password_hash("pw")
    method, salt, digest = scrypt.split("$")
    assert (method, len(salt), len(digest)) == ("scrypt:32768:8:1", 16, 128)
    assert werkzeug_check(scrypt, "pw")
    pbkdf2 = generate_password_hash("pw", "pbkdf2")
    assert pbkdf2.startswith("pbkdf2:sha256:1000000$")
    assert check_password_hash(pbkdf2, "pw")


def test_known_vector() -> None:
    digest = hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 1000).hex()
    assert check_password_hash(f"pbkdf2:sha256:1000$salt${digest}", "pw")
    assert not check_password_hash(f"pbkdf2:sha256:1001$salt${digest}", "pw")
    assert not check_password_hash(f"pbkdf2:sha256:1000$salz${digest}", "pw")


@pytest.mark.parametrize(
    "stored",
    ["", "garbage", "md5$a$b", "sha256$salt$abc", "scrypt:x:8:1$a$b", "pbkdf2:sha256:0$a$b"],
)
def test_malformed_hashes_are_false(stored: str) -> None:
    assert check_password_hash(stored, "x") is False


def test_bad_methods_raise() -> None:
    with pytest.raises(ValueError, match="Invalid hash method"):
        generate_password_hash("x", "md5")
    with pytest.raises(ValueError, match="scrypt:N:r:p"):
        generate_password_hash("x", "scrypt:1:2")


def test_gen_salt() -> None:
    salt = gen_salt(20)
    assert len(salt) == 20 and salt.isalnum()
    with pytest.raises(ValueError):
        gen_salt(0)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (["a/b"], "/base/a/b"),
        (["a/./b"], "/base/a/b"),
        (["a", "b.txt"], "/base/a/b.txt"),
        ([""], "/base"),
        (["../x"], None),
        (["/etc/passwd"], None),
        (["a/../../b"], None),
        (["a\\..\\b"], None),
        (["c:x"], None),
        (["a\0b"], None),
        ([".."], None),
    ],
)
def test_safe_join(parts: list[str], expected: str | None) -> None:
    assert safe_join("/base", *parts) == expected
