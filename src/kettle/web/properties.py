"""Descriptors of Werkzeug's ``werkzeug.utils``: ``cached_property``, ``environ_property``,
``header_property``, and the import helpers ``import_string`` / ``find_modules``.

Owns the small reusable tools that extensions build their request/response subclasses
and plugin loading with.

Rules: ``cached_property`` stores the computed value in the instance ``__dict__`` under
the same name, so assigning or deleting the attribute overrides or resets it. The dict
accessors read through ``load_func`` and fall back to ``default`` when it raises
``ValueError`` or ``TypeError``; a read-only accessor refuses assignment and deletion with
``AttributeError``. ``import_string`` raises ``ImportStringError`` naming what failed
(``None`` with ``silent=True``).
"""

from __future__ import annotations

import pkgutil
import sys
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_missing: Any = object()


class cached_property(property, Generic[T]):  # Werkzeug's public name
    """A property computed once per instance, then read from the instance ``__dict__``."""

    def __init__(
        self, fget: Callable[[Any], T], name: str | None = None, doc: str | None = None
    ) -> None:
        super().__init__(fget, doc=doc)
        self.__name__ = name or fget.__name__
        self.slot_name = f"_cache_{self.__name__}"
        self.__module__ = fget.__module__

    def __set_name__(self, owner: type, name: str) -> None:
        self.__name__ = name
        self.slot_name = f"_cache_{name}"

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        if obj is None:
            return self
        obj_dict = getattr(obj, "__dict__", None)
        if obj_dict is not None:
            value = obj_dict.get(self.__name__, _missing)
        else:
            value = getattr(obj, self.slot_name, _missing)
        if value is _missing:
            value = self.fget(obj)  # type: ignore[misc]  # always set by __init__
            if obj_dict is not None:
                obj_dict[self.__name__] = value
            else:
                setattr(obj, self.slot_name, value)
        return value

    def __set__(self, obj: object, value: Any) -> None:
        obj_dict = getattr(obj, "__dict__", None)
        if obj_dict is not None:
            obj_dict[self.__name__] = value
        else:
            setattr(obj, self.slot_name, value)

    def __delete__(self, obj: object) -> None:
        obj_dict = getattr(obj, "__dict__", None)
        if obj_dict is not None:
            obj_dict.pop(self.__name__, None)
        else:
            setattr(obj, self.slot_name, _missing)


class _DictAccessor(Generic[T]):
    """A property reading and writing one key of a dict the instance holds."""

    read_only = False

    def __init__(
        self,
        name: str,
        default: T | None = None,
        load_func: Callable[[str], T] | None = None,
        dump_func: Callable[[T], str] | None = None,
        read_only: bool | None = None,
        doc: str | None = None,
    ) -> None:
        self.name = name
        self.default = default
        self.load_func = load_func
        self.dump_func = dump_func
        if read_only is not None:
            self.read_only = read_only
        self.__doc__ = doc

    def lookup(self, instance: Any) -> MutableMapping[str, Any]:
        """The mapping this property reads and writes; each subclass names its own (the
        environ, the headers), as Werkzeug's accessor properties do."""
        raise NotImplementedError(
            f"{type(self).__name__} must define lookup(instance): the mapping it reads"
        )

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        storage = self.lookup(instance)
        if self.name not in storage:
            return self.default
        value = storage[self.name]
        if self.load_func is not None:
            try:
                return self.load_func(value)
            except (ValueError, TypeError):
                return self.default
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        if self.read_only:
            raise AttributeError("read only property")
        if self.dump_func is not None:
            value = self.dump_func(value)
        self.lookup(instance)[self.name] = value

    def __delete__(self, instance: Any) -> None:
        if self.read_only:
            raise AttributeError("read only property")
        self.lookup(instance).pop(self.name, None)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class environ_property(_DictAccessor[T]):  # Werkzeug's public name
    """A read-only (by default) accessor of ``instance.environ[name]``."""

    read_only = True

    def lookup(self, instance: Any) -> MutableMapping[str, Any]:
        environ: MutableMapping[str, Any] = instance.environ
        return environ


class header_property(_DictAccessor[T]):  # Werkzeug's public name
    """An accessor of ``instance.headers[name]``."""

    def lookup(self, instance: Any) -> MutableMapping[str, Any]:
        headers: MutableMapping[str, Any] = instance.headers
        return headers


class ImportStringError(ImportError):
    """``import_string`` could not import ``import_name``."""

    def __init__(self, import_name: str, exception: BaseException) -> None:
        self.import_name = import_name
        self.exception = exception
        message = f"import_string() failed for {import_name!r}. Possible reasons are:\n\n"
        message += "- missing __init__.py in a package;\n- package or module path not"
        message += " included in sys.path;\n- duplicated package or module name taking"
        message += " precedence in sys.path;\n- missing module, class, function or variable;"
        message += f"\n\nOriginal exception:\n\n{type(exception).__name__}: {exception}"
        super().__init__(message)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}({self.import_name!r}, {self.exception!r})>"


def import_string(import_name: str, silent: bool = False) -> Any:
    """The object named by ``"pkg.module:attr"`` or ``"pkg.module.attr"``."""
    import_name = import_name.replace(":", ".")
    try:
        try:
            __import__(import_name)
        except ImportError:
            if "." not in import_name:
                raise
        else:
            return sys.modules[import_name]
        module_name, obj_name = import_name.rsplit(".", 1)
        module = __import__(module_name, globals(), locals(), [obj_name])
        try:
            return getattr(module, obj_name)
        except AttributeError as error:
            raise ImportError(error) from None
    except ImportError as error:
        if not silent:
            raise ImportStringError(import_name, error).with_traceback(sys.exc_info()[2]) from None
    return None


def find_modules(
    import_path: str, include_packages: bool = False, recursive: bool = False
) -> Iterator[str]:
    """Yield the dotted names of the modules inside the package ``import_path``."""
    module = import_string(import_path)
    path = getattr(module, "__path__", None)
    if path is None:
        raise ValueError(f"{import_path!r} is not a package")
    # Named under the path asked for: a package reached through an alias (kettle.compat's
    # ``werkzeug.*``) lists its modules by that alias, as they are imported.
    prefix = f"{import_path}."
    for _finder, name, is_package in pkgutil.iter_modules(path):
        name = prefix + name
        if is_package:
            if include_packages:
                yield name
            if recursive:
                yield from find_modules(name, include_packages, True)
        else:
            yield name


__all__ = [
    "ImportStringError",
    "cached_property",
    "environ_property",
    "find_modules",
    "header_property",
    "import_string",
]
