"""``Environment.compile_templates``: write every template as a Python module.

Rules: the output (a directory or a zip file) is what ``ModuleLoader`` reads: one module
``tmpl_<sha1 of name>.py`` per template, generated with ``defer_init`` so importing it
needs no environment. Templates that fail to compile are skipped (and logged) when
``ignore_errors`` is on, re-raised otherwise.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Iterable
from hashlib import sha1
from typing import Any

from .exceptions import TemplateSyntaxError


def module_name_for(name: str) -> str:
    return "tmpl_" + sha1(name.encode("utf-8")).hexdigest()


def compile_templates(
    environment: Any,
    target: str,
    extensions: Iterable[str] | None = None,
    filter_func: Callable[[str], bool] | None = None,
    zip: str | None = "deflated",
    log_function: Callable[[str], None] | None = None,
    ignore_errors: bool = True,
) -> None:
    """Compile all templates the loader lists into ``target`` (see the module docstring)."""
    if log_function is None:

        def log_function(x: str) -> None:
            pass

    zip_file = None
    if zip is not None:
        mode = zipfile.ZIP_DEFLATED if zip == "deflated" else zipfile.ZIP_STORED
        zip_file = zipfile.ZipFile(target, "w", mode)
        log_function(f"Compiling into Zip archive {target!r}")
    else:
        if not os.path.isdir(target):
            os.makedirs(target)
        log_function(f"Compiling into folder {target!r}")

    def write_file(filename: str, data: str) -> None:
        if zip_file is not None:
            info = zipfile.ZipInfo(filename)
            info.external_attr = 0o755 << 16
            zip_file.writestr(info, data)
        else:
            with open(os.path.join(target, filename), "wb") as f:
                f.write(data.encode("utf8"))

    try:
        for name in environment.list_templates(extensions, filter_func):
            source, filename, _ = environment.loader.get_source(environment, name)
            try:
                code = environment.compile(source, name, filename, True, True)
            except TemplateSyntaxError as e:
                if not ignore_errors:
                    raise
                log_function(f'Could not compile "{name}": {e}')
                continue
            module = module_name_for(name) + ".py"
            write_file(module, code)
            log_function(f'Compiled "{name}" as {module}')
    finally:
        if zip_file is not None:
            zip_file.close()
    log_function("Finished compiling templates")
