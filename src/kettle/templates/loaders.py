"""Template loaders: where template source comes from, named as jinja2.loaders names them.

Rules: ``get_source(environment, name)`` returns ``(source, filename, uptodate)`` or raises
``TemplateNotFound``; ``load`` compiles (through the bytecode cache when one is set) and
returns a ``Template``. Template names are ``/``-separated and may not climb out of a
search path (``..`` or an OS separator inside a piece is refused as not found).
"""

from __future__ import annotations

import importlib.util
import os
import posixpath
import sys
import weakref
import zipfile
import zipimport
from collections import abc
from collections.abc import Callable, Iterable, Mapping
from hashlib import sha1
from importlib import import_module
from types import ModuleType
from typing import Any

from .exceptions import TemplateNotFound
from .utils import internalcode

SourceTuple = tuple[str, str | None, Callable[[], bool] | None]


def split_template_path(template: str) -> list[str]:
    """Split a template name into path pieces, refusing ones that leave the root."""
    pieces = []
    for piece in template.split("/"):
        if (
            os.path.sep in piece
            or (os.path.altsep and os.path.altsep in piece)
            or piece == os.path.pardir
        ):
            raise TemplateNotFound(template)
        if piece and piece != ".":
            pieces.append(piece)
    return pieces


class BaseLoader:
    """Subclass and implement ``get_source`` (and ``list_templates`` if you can)."""

    has_source_access = True

    def get_source(self, environment: Any, template: str) -> SourceTuple:
        if not self.has_source_access:
            raise RuntimeError(f"{type(self).__name__} cannot provide access to the source")
        raise TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        raise TypeError("this loader cannot iterate over all templates")

    @internalcode
    def load(self, environment: Any, name: str, globals: Any = None) -> Any:
        code = None
        if globals is None:
            globals = {}
        source, filename, uptodate = self.get_source(environment, name)
        bcc = environment.bytecode_cache
        bucket = None
        if bcc is not None:
            bucket = bcc.get_bucket(environment, name, filename, source)
            code = bucket.code
        if code is None:
            code = environment.compile(source, name, filename)
        if bcc is not None and bucket is not None and bucket.code is None:
            bucket.code = code
            bcc.set_bucket(bucket)
        template = environment.template_class.from_code(environment, code, globals, uptodate)
        template._source = source
        return template


class FileSystemLoader(BaseLoader):
    """Loads templates from one or more directories."""

    def __init__(
        self,
        searchpath: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
        encoding: str = "utf-8",
        followlinks: bool = False,
    ) -> None:
        if not isinstance(searchpath, abc.Iterable) or isinstance(searchpath, str):
            searchpath = [searchpath]
        self.searchpath = [os.fspath(p) for p in searchpath]
        self.encoding = encoding
        self.followlinks = followlinks

    def get_source(self, environment: Any, template: str) -> SourceTuple:
        pieces = split_template_path(template)
        for searchpath in self.searchpath:
            filename = os.path.join(searchpath, *pieces)
            if os.path.isfile(filename):
                break
        else:
            plural = "path" if len(self.searchpath) == 1 else "paths"
            paths_str = ", ".join(repr(p) for p in self.searchpath)
            raise TemplateNotFound(
                template, f"{template!r} not found in search {plural}: {paths_str}"
            )
        with open(filename, encoding=self.encoding) as f:
            contents = f.read()
        mtime = os.path.getmtime(filename)

        def uptodate() -> bool:
            try:
                return os.path.getmtime(filename) == mtime
            except OSError:
                return False

        return contents, os.path.normpath(filename), uptodate

    def list_templates(self) -> list[str]:
        found = set()
        for searchpath in self.searchpath:
            walk_dir = os.walk(searchpath, followlinks=self.followlinks)
            for dirpath, _, filenames in walk_dir:
                for filename in filenames:
                    template = (
                        os.path.join(dirpath, filename)[len(searchpath) :]
                        .strip(os.path.sep)
                        .replace(os.path.sep, "/")
                    )
                    if template[:2] == "./":
                        template = template[2:]
                    found.add(template)
        return sorted(found)


class PackageLoader(BaseLoader):
    """Loads templates from a directory inside an importable package (also zipped)."""

    def __init__(
        self, package_name: str, package_path: str = "templates", encoding: str = "utf-8"
    ) -> None:
        package_path = os.path.normpath(package_path).rstrip(os.path.sep)
        if package_path == os.path.curdir:
            package_path = ""
        elif package_path[:2] == os.path.curdir + os.path.sep:
            package_path = package_path[2:]
        self.package_path = package_path
        self.package_name = package_name
        self.encoding = encoding
        import_module(package_name)
        spec = importlib.util.find_spec(package_name)
        if spec is None:
            raise ValueError(f"The {package_name!r} package could not be found.")
        loader = spec.loader
        self._loader = loader
        self._archive = None
        template_root = None
        if isinstance(loader, zipimport.zipimporter):
            self._archive = loader.archive
            pkgdir = next(iter(spec.submodule_search_locations or ()))
            template_root = os.path.join(pkgdir, package_path).rstrip(os.path.sep)
        else:
            roots: list[str] = []
            if spec.submodule_search_locations:
                roots.extend(spec.submodule_search_locations)
            elif spec.origin is not None:
                roots.append(os.path.dirname(spec.origin))
            if not roots:
                raise ValueError(
                    f"The {package_name!r} package was not installed in a way that"
                    " PackageLoader understands."
                )
            for root in roots:
                root = os.path.join(root, package_path)
                if os.path.isdir(root):
                    template_root = root
                    break
        if template_root is None:
            raise ValueError(
                f"PackageLoader could not find a {package_path!r} directory"
                f" in the {package_name!r} package."
            )
        self._template_root = template_root

    def get_source(self, environment: Any, template: str) -> SourceTuple:
        p = os.path.normpath(posixpath.join(self._template_root, *split_template_path(template)))
        up_to_date: Callable[[], bool] | None
        if self._archive is None:
            if not os.path.isfile(p):
                raise TemplateNotFound(template)
            with open(p, "rb") as f:
                source = f.read()
            mtime = os.path.getmtime(p)

            def up_to_date() -> bool:
                return os.path.isfile(p) and os.path.getmtime(p) == mtime

        else:
            try:
                source = self._loader.get_data(p)
            except OSError as e:
                raise TemplateNotFound(template) from e
            up_to_date = None
        return source.decode(self.encoding), p, up_to_date

    def list_templates(self) -> list[str]:
        results: list[str] = []
        if self._archive is None:
            offset = len(self._template_root)
            for dirpath, _, filenames in os.walk(self._template_root):
                dirpath = dirpath[offset:].lstrip(os.path.sep)
                results.extend(
                    os.path.join(dirpath, name).replace(os.path.sep, "/") for name in filenames
                )
        else:
            # The archive's own listing (zipfile), not zipimporter's private ``_files``,
            # which Python 3.13 no longer fills in before first use.
            try:
                with zipfile.ZipFile(self._archive) as archive:
                    names = archive.namelist()
            except (OSError, zipfile.BadZipFile) as error:
                raise TypeError(
                    "This zip import does not have the required metadata to list templates."
                ) from error
            inner = self._template_root[len(self._archive) :].lstrip(os.path.sep)
            prefix = inner.replace(os.path.sep, "/") + "/"
            results.extend(
                name[len(prefix) :]
                for name in names
                if name.startswith(prefix) and not name.endswith("/")
            )
        results.sort()
        return results


class DictLoader(BaseLoader):
    """Loads templates from a dict of name -> source."""

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self.mapping = mapping

    def get_source(self, environment: Any, template: str) -> SourceTuple:
        if template in self.mapping:
            source = self.mapping[template]
            return source, None, lambda: source == self.mapping.get(template)
        raise TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        return sorted(self.mapping)


class FunctionLoader(BaseLoader):
    """Asks a function for the source: it returns a string, a source tuple or None."""

    def __init__(self, load_func: Callable[[str], Any]) -> None:
        self.load_func = load_func

    def get_source(self, environment: Any, template: str) -> SourceTuple:
        result = self.load_func(template)
        if result is None:
            raise TemplateNotFound(template)
        if isinstance(result, str):
            return result, None, None
        return result  # type: ignore[no-any-return]


class PrefixLoader(BaseLoader):
    """Picks a loader by the name's prefix (``prefix/rest``)."""

    def __init__(self, mapping: Mapping[str, BaseLoader], delimiter: str = "/") -> None:
        self.mapping = mapping
        self.delimiter = delimiter

    def get_loader(self, template: str) -> tuple[BaseLoader, str]:
        try:
            prefix, name = template.split(self.delimiter, 1)
            loader = self.mapping[prefix]
        except (ValueError, KeyError) as e:
            raise TemplateNotFound(template) from e
        return loader, name

    def get_source(self, environment: Any, template: str) -> SourceTuple:
        loader, name = self.get_loader(template)
        try:
            return loader.get_source(environment, name)
        except TemplateNotFound as e:
            raise TemplateNotFound(template) from e

    @internalcode
    def load(self, environment: Any, name: str, globals: Any = None) -> Any:
        loader, local_name = self.get_loader(name)
        try:
            return loader.load(environment, local_name, globals)
        except TemplateNotFound as e:
            raise TemplateNotFound(name) from e

    def list_templates(self) -> list[str]:
        result = []
        for prefix, loader in self.mapping.items():
            for template in loader.list_templates():
                result.append(prefix + self.delimiter + template)
        return result


class ChoiceLoader(BaseLoader):
    """Tries several loaders in order."""

    def __init__(self, loaders: Iterable[BaseLoader]) -> None:
        self.loaders = list(loaders)

    def get_source(self, environment: Any, template: str) -> SourceTuple:
        for loader in self.loaders:
            try:
                return loader.get_source(environment, template)
            except TemplateNotFound:
                pass
        raise TemplateNotFound(template)

    @internalcode
    def load(self, environment: Any, name: str, globals: Any = None) -> Any:
        for loader in self.loaders:
            try:
                return loader.load(environment, name, globals)
            except TemplateNotFound:
                pass
        raise TemplateNotFound(name)

    def list_templates(self) -> list[str]:
        found = set()
        for loader in self.loaders:
            found.update(loader.list_templates())
        return sorted(found)


class _TemplateModule(ModuleType):
    """The package holding precompiled template modules of a ``ModuleLoader``."""


class ModuleLoader(BaseLoader):
    """Loads templates precompiled by ``Environment.compile_templates``."""

    has_source_access = False

    def __init__(self, path: Any) -> None:
        package_name = f"_jinja2_module_templates_{id(self):x}"
        mod = _TemplateModule(package_name)
        if not isinstance(path, abc.Iterable) or isinstance(path, str):
            path = [path]
        mod.__path__ = [os.fspath(p) for p in path]
        sys.modules[package_name] = weakref.proxy(
            mod, lambda x: sys.modules.pop(package_name, None)
        )
        self.module = mod
        self.package_name = package_name

    @staticmethod
    def get_template_key(name: str) -> str:
        return "tmpl_" + sha1(name.encode("utf-8")).hexdigest()

    @staticmethod
    def get_module_filename(name: str) -> str:
        return ModuleLoader.get_template_key(name) + ".py"

    @internalcode
    def load(self, environment: Any, name: str, globals: Any = None) -> Any:
        key = self.get_template_key(name)
        module = f"{self.package_name}.{key}"
        mod = getattr(self.module, module, None)
        if mod is None:
            try:
                mod = __import__(module, None, None, ["root"])
            except ImportError as e:
                raise TemplateNotFound(name) from e
            sys.modules.pop(module, None)
        if globals is None:
            globals = {}
        return environment.template_class.from_module_dict(environment, mod.__dict__, globals)
