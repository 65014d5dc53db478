"""Mirror of the ``jinja2`` package (Jinja2 3.1) over ``kettle.templates``.

Rules: ``kettle.templates`` already keeps Jinja2's top-level names and module layout, so this
package re-exports those names, and ``ALIASES`` (read by the kettle.compat finder) makes each
``jinja2.X`` submodule the module ``kettle.templates.X`` itself: ``jinja2.nodes is
kettle.templates.nodes``. ``jinja2.constants`` is a mirror module of its own here (the lipsum
words live in ``kettle.templates.utils``). The compiler internals with no Kettle counterpart
(``jinja2.idtracking``, ``jinja2.optimizer``) are not listed, so importing them fails with an
ImportError that names them.
"""

from __future__ import annotations

from kettle.templates import *  # noqa: F403
from kettle.templates import __all__ as __all__
from kettle.templates import __version__ as __version__
from kettle.templates import (
    async_utils,
    bccache,
    compiler,
    debug,
    defaults,
    environment,
    exceptions,
    ext,
    filters,
    lexer,
    loaders,
    meta,
    nativetypes,
    nodes,
    parser,
    runtime,
    sandbox,
    tests,
    utils,
    visitor,
)

# Jinja2's public submodules that kettle.templates provides under the same name. They are
# attributes here too: ``from jinja2 import nodes`` looks for the attribute first and would
# otherwise try to import ``kettle.compat.jinja2.nodes``.
ALIASES: dict[str, str] = {
    module.__name__.rpartition(".")[2]: module.__name__
    for module in (
        async_utils,
        bccache,
        compiler,
        debug,
        defaults,
        environment,
        exceptions,
        ext,
        filters,
        lexer,
        loaders,
        meta,
        nativetypes,
        nodes,
        parser,
        runtime,
        sandbox,
        tests,
        utils,
        visitor,
    )
}
