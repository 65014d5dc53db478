"""Bytecode caches: keep compiled template code between processes, as jinja2.bccache does.

Owns ``Bucket`` (the compiled code of one template plus the checksum of the source it came
from), the ``BytecodeCache`` interface the environment calls, and two stores:
``FileSystemBytecodeCache`` (one file per template, written atomically) and
``MemcachedBytecodeCache`` (any client with ``get``/``set``).

Rules: a bucket whose stored magic (engine + Python version) or source checksum does not
match is silently emptied, so a stale or foreign cache entry means "compile again", never a
wrong template. Cache files are only ever replaced whole (write to a temp file, then
``os.replace``). The default cache directory must be private to the user, else we refuse it.
"""

from __future__ import annotations

import abc
import fnmatch
import marshal
import os
import pickle
import stat
import sys
import tempfile
from hashlib import sha1
from io import BytesIO
from types import CodeType
from typing import IO, Any, BinaryIO, NoReturn, Protocol

__all__ = ["Bucket", "BytecodeCache", "FileSystemBytecodeCache", "MemcachedBytecodeCache"]

bc_version = 1
# Engine name, cache format version and Python major/minor: marshal data is only valid for
# the interpreter version that wrote it.
bc_magic = (
    b"kettle-tpl"
    + pickle.dumps(bc_version, 2)
    + pickle.dumps((sys.version_info[0] << 24) | sys.version_info[1], 2)
)


class _MemcachedClient(Protocol):
    def get(self, key: str) -> bytes: ...

    def set(self, key: str, value: bytes, timeout: int | None = None) -> None: ...


class Bucket:
    """The cached code of one template; ``code`` is None when nothing valid is loaded."""

    def __init__(self, environment: Any, key: str, checksum: str) -> None:
        self.environment = environment
        self.key = key
        self.checksum = checksum
        self.reset()

    def reset(self) -> None:
        """Forget the loaded code."""
        self.code: CodeType | None = None

    def load_bytecode(self, f: BinaryIO) -> None:
        """Read code from ``f``; an unknown magic or stale checksum leaves the bucket empty."""
        if f.read(len(bc_magic)) != bc_magic:
            self.reset()
            return
        try:
            checksum = pickle.load(f)
        except Exception:
            self.reset()
            return
        if checksum != self.checksum:
            self.reset()
            return
        try:
            self.code = marshal.load(f)
        except (EOFError, ValueError, TypeError):
            self.reset()

    def write_bytecode(self, f: IO[bytes]) -> None:
        """Write magic, checksum and code to ``f``."""
        if self.code is None:
            raise TypeError("can't write empty bucket")
        f.write(bc_magic)
        pickle.dump(self.checksum, f, 2)
        marshal.dump(self.code, f)

    def bytecode_from_string(self, string: bytes) -> None:
        self.load_bytecode(BytesIO(string))

    def bytecode_to_string(self) -> bytes:
        out = BytesIO()
        self.write_bytecode(out)
        return out.getvalue()


class BytecodeCache(abc.ABC):
    """Where buckets are stored. Subclasses implement ``load_bytecode`` and
    ``dump_bytecode``; the environment calls ``get_bucket`` and ``set_bucket``."""

    @abc.abstractmethod
    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill ``bucket`` from the store (leave it empty if there is nothing)."""

    @abc.abstractmethod
    def dump_bytecode(self, bucket: Bucket) -> None:
        """Save ``bucket`` to the store."""

    def clear(self) -> None:
        """Remove every entry of this cache (stores that cannot, do nothing)."""
        return None

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        """The key of a template: a hash of its name and file name."""
        digest = sha1(name.encode("utf-8"))
        if filename is not None:
            digest.update(f"|{filename}".encode())
        return digest.hexdigest()

    def get_source_checksum(self, source: str) -> str:
        """A checksum of the source, so edits invalidate the entry."""
        return sha1(source.encode("utf-8")).hexdigest()

    def get_bucket(self, environment: Any, name: str, filename: str | None, source: str) -> Bucket:
        """A bucket for the template, loaded from the store when a valid entry exists."""
        bucket = Bucket(
            environment, self.get_cache_key(name, filename), self.get_source_checksum(source)
        )
        self.load_bytecode(bucket)
        return bucket

    def set_bucket(self, bucket: Bucket) -> None:
        """Store a bucket whose code was just compiled."""
        self.dump_bytecode(bucket)


def _refuse_directory() -> NoReturn:
    raise RuntimeError(
        "Cannot determine safe temp directory.  You need to explicitly provide one."
    )


def _private_cache_dir() -> str:
    """``$TMPDIR/_jinja2-cache-<uid>``, created mode 0700; refused if anyone else owns it."""
    tmpdir = tempfile.gettempdir()
    if os.name == "nt":
        return tmpdir
    if not hasattr(os, "getuid"):
        _refuse_directory()
    path = os.path.join(tmpdir, f"_jinja2-cache-{os.getuid()}")
    try:
        os.mkdir(path, stat.S_IRWXU)
    except FileExistsError:
        pass
    try:
        os.chmod(path, stat.S_IRWXU)
    except OSError:
        pass  # not ours: the ownership check below refuses it
    info = os.lstat(path)
    if (
        info.st_uid != os.getuid()
        or not stat.S_ISDIR(info.st_mode)
        or stat.S_IMODE(info.st_mode) != stat.S_IRWXU
    ):
        _refuse_directory()
    return path


class FileSystemBytecodeCache(BytecodeCache):
    """Store each bucket as ``directory/pattern % key`` (default: a private temp dir)."""

    def __init__(self, directory: str | None = None, pattern: str = "__jinja2_%s.cache") -> None:
        self.directory = directory if directory is not None else _private_cache_dir()
        self.pattern = pattern

    def _get_cache_filename(self, bucket: Bucket) -> str:
        return os.path.join(self.directory, self.pattern % (bucket.key,))

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            f = open(self._get_cache_filename(bucket), "rb")  # noqa: SIM115 - closed below
        except (FileNotFoundError, IsADirectoryError, PermissionError):
            return
        with f:
            bucket.load_bytecode(f)

    def dump_bytecode(self, bucket: Bucket) -> None:
        name = self._get_cache_filename(bucket)
        # Write beside the target, then rename: readers never see a half-written file.
        f = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in the try below
            mode="wb",
            dir=os.path.dirname(name),
            prefix=os.path.basename(name),
            suffix=".tmp",
            delete=False,
        )
        try:
            with f:
                bucket.write_bytecode(f)
            os.replace(f.name, name)
        except OSError:
            _remove_quietly(f.name)  # the cache is best effort: a failed write is no error
        except BaseException:
            _remove_quietly(f.name)
            raise

    def clear(self) -> None:
        for filename in fnmatch.filter(os.listdir(self.directory), self.pattern % ("*",)):
            _remove_quietly(os.path.join(self.directory, filename))


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


class MemcachedBytecodeCache(BytecodeCache):
    """Store buckets in memcached (or anything with ``get(key)`` and ``set(key, value[,
    timeout])``); client errors are ignored unless ``ignore_memcache_errors`` is false."""

    def __init__(
        self,
        client: _MemcachedClient,
        prefix: str = "jinja2/bytecode/",
        timeout: int | None = None,
        ignore_memcache_errors: bool = True,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.timeout = timeout
        self.ignore_memcache_errors = ignore_memcache_errors

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            code = self.client.get(self.prefix + bucket.key)
        except Exception:
            if not self.ignore_memcache_errors:
                raise
            return
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        key = self.prefix + bucket.key
        value = bucket.bytecode_to_string()
        try:
            if self.timeout is not None:
                self.client.set(key, value, self.timeout)
            else:
                self.client.set(key, value)
        except Exception:
            if not self.ignore_memcache_errors:
                raise
