"""kettle.templates.bccache: buckets round-trip, stale entries are dropped, stores work."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kettle.templates.bccache import (
    Bucket,
    BytecodeCache,
    FileSystemBytecodeCache,
    MemcachedBytecodeCache,
)

CODE = compile("x = 1", "<t>", "exec")


def test_bucket_round_trip_and_stale_checksum() -> None:
    bucket = Bucket(None, "k", "sum1")
    bucket.code = CODE
    data = bucket.bytecode_to_string()
    fresh = Bucket(None, "k", "sum1")
    fresh.bytecode_from_string(data)
    assert fresh.code == CODE
    stale = Bucket(None, "k", "sum2")
    stale.bytecode_from_string(data)
    assert stale.code is None
    foreign = Bucket(None, "k", "sum1")
    foreign.bytecode_from_string(b"j2" + data[2:])
    assert foreign.code is None
    with pytest.raises(TypeError, match="can't write empty bucket"):
        Bucket(None, "k", "s").bytecode_to_string()


def test_keys_and_checksums() -> None:
    cache = FileSystemBytecodeCache("/nonexistent")
    # sha1("a") and sha1("a|f"), as jinja2 computes them
    assert cache.get_cache_key("a") == "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"
    assert cache.get_cache_key("a", "f") == cache.get_source_checksum("a|f")
    with pytest.raises(TypeError):
        BytecodeCache()  # type: ignore[abstract]


def test_filesystem_cache(tmp_path: Path) -> None:
    cache = FileSystemBytecodeCache(str(tmp_path), "tpl_%s.cache")
    bucket = cache.get_bucket(None, "page.html", None, "source")
    assert bucket.code is None
    bucket.code = CODE
    cache.set_bucket(bucket)
    assert os.listdir(tmp_path) == [f"tpl_{bucket.key}.cache"]
    assert cache.get_bucket(None, "page.html", None, "source").code == CODE
    assert cache.get_bucket(None, "page.html", None, "edited").code is None
    (tmp_path / "other.txt").write_text("keep")
    cache.clear()
    assert os.listdir(tmp_path) == ["other.txt"]


def test_default_directory_is_private() -> None:
    cache = FileSystemBytecodeCache()
    info = os.stat(cache.directory)
    assert info.st_mode & 0o777 == 0o700 and info.st_uid == os.getuid()


class FakeMemcached:
    def __init__(self, fail: bool = False) -> None:
        self.store: dict[str, bytes] = {}
        self.fail = fail
        self.timeouts: list[int | None] = []

    def get(self, key: str) -> bytes:
        if self.fail:
            raise ConnectionError("down")
        return self.store.get(key)  # type: ignore[return-value]

    def set(self, key: str, value: bytes, timeout: int | None = None) -> None:
        if self.fail:
            raise ConnectionError("down")
        self.store[key] = value
        self.timeouts.append(timeout)


def test_memcached_cache() -> None:
    client = FakeMemcached()
    cache = MemcachedBytecodeCache(client, timeout=30)
    bucket = Bucket(None, "key", "")
    bucket.code = CODE
    cache.dump_bytecode(bucket)
    assert list(client.store) == ["jinja2/bytecode/key"] and client.timeouts == [30]
    loaded = Bucket(None, "key", "")
    cache.load_bytecode(loaded)
    assert loaded.code == CODE
    broken = MemcachedBytecodeCache(FakeMemcached(fail=True))
    broken.dump_bytecode(bucket)
    broken.load_bytecode(loaded)
    broken.ignore_memcache_errors = False
    with pytest.raises(ConnectionError):
        broken.load_bytecode(loaded)


def test_environment_reuses_cached_code(tmp_path: Path) -> None:
    from kettle.templates import DictLoader, Environment

    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    sources = {"page.html": "{% for i in items %}[{{ i }}]{% endfor %}"}
    first = Environment(
        loader=DictLoader(sources), bytecode_cache=FileSystemBytecodeCache(str(cache_dir))
    )
    assert first.get_template("page.html").render(items=[1, 2]) == "[1][2]"
    assert len(os.listdir(cache_dir)) == 1

    class NoCompile(Environment):
        def compile(self, *args: object, **kwargs: object) -> object:
            raise AssertionError("compiled although the bytecode cache had the template")

    second = NoCompile(
        loader=DictLoader(sources), bytecode_cache=FileSystemBytecodeCache(str(cache_dir))
    )
    assert second.get_template("page.html").render(items=[3]) == "[3]"
    # an edited source invalidates the entry: it is compiled again and the cache rewritten
    edited = Environment(
        loader=DictLoader({"page.html": "<{{ items|length }}>"}),
        bytecode_cache=FileSystemBytecodeCache(str(cache_dir)),
    )
    assert edited.get_template("page.html").render(items=[3]) == "<1>"
