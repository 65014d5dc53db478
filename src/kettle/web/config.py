"""Application configuration: a dict with Flask's loading helpers.

Rules: only UPPERCASE keys are taken from objects, files and mappings (``from_object``,
``from_pyfile``, ``from_mapping``, ``from_file``); ``from_prefixed_env`` parses each value as
JSON and falls back to the raw string, and a ``__`` in the key walks into nested dicts.
A missing file is an error unless ``silent=True``; the error names the file.
"""

from __future__ import annotations

import errno
import importlib
import json
import os
import types
from collections.abc import Callable, Mapping
from typing import IO, Any


class ConfigAttribute:
    """Makes ``app.debug`` and friends read and write ``app.config[name]``."""

    def __init__(self, name: str, get_converter: Callable[[Any], Any] | None = None) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        value = obj.config[self.__name__]
        if self.get_converter is not None:
            value = self.get_converter(value)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.config[self.__name__] = value


def import_string(name: str) -> Any:
    """``"package.module:attr"`` or ``"package.module.attr"`` to the object it names."""
    module_name, _, attribute = name.replace(":", ".").rpartition(".")
    if not module_name:
        return importlib.import_module(attribute)
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return importlib.import_module(name)
    try:
        return getattr(module, attribute)
    except AttributeError:
        return importlib.import_module(name.replace(":", "."))


class Config(dict[str, Any]):
    """The app's settings; ``root_path`` anchors relative file names."""

    def __init__(
        self, root_path: str | os.PathLike[str], defaults: Mapping[str, Any] | None = None
    ):
        super().__init__(defaults or {})
        self.root_path = os.fspath(root_path)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        filename = os.environ.get(variable_name)
        if not filename:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set and as such"
                " configuration could not be loaded. Set this variable and make it"
                " point to a configuration file"
            )
        return self.from_pyfile(filename, silent=silent)

    def from_prefixed_env(
        self, prefix: str = "FLASK", *, loads: Callable[[str], Any] = json.loads
    ) -> bool:
        start = f"{prefix}_"
        for key in sorted(os.environ):
            if not key.startswith(start):
                continue
            raw = os.environ[key]
            try:
                value: Any = loads(raw)
            except Exception:
                value = raw
            key = key[len(start) :]
            if "__" not in key:
                self[key] = value
                continue
            current: dict[str, Any] = self
            *parents, tail = key.split("__")
            for parent in parents:
                if parent not in current:
                    current[parent] = {}
                current = current[parent]
            current[tail] = value
        return True

    def from_pyfile(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        path = os.path.join(self.root_path, filename)
        module = types.ModuleType("config")
        module.__file__ = path
        try:
            with open(path, mode="rb") as config_file:
                exec(compile(config_file.read(), path, "exec"), module.__dict__)
        except OSError as error:
            if silent and error.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
                return False
            error.strerror = f"Unable to load configuration file ({error.strerror})"
            raise
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        if isinstance(obj, str):
            obj = import_string(obj)
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: Callable[[IO[Any]], Mapping[str, Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        path = os.path.join(self.root_path, filename)
        try:
            with open(path, "r" if text else "rb") as handle:
                obj = load(handle)
        except OSError as error:
            if silent and error.errno in (errno.ENOENT, errno.EISDIR):
                return False
            error.strerror = f"Unable to load configuration file ({error.strerror})"
            raise
        return self.from_mapping(obj)

    def from_mapping(self, mapping: Mapping[str, Any] | None = None, **kwargs: Any) -> bool:
        mappings: dict[str, Any] = {}
        if mapping is not None:
            mappings.update(mapping)
        mappings.update(kwargs)
        for key, value in mappings.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            found[name.lower() if lowercase else name] = value
        return found
