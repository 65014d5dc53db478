"""Mirror of ``jinja2.constants``: ``LOREM_IPSUM_WORDS``, the words the ``lipsum`` global
(``kettle.templates.utils.generate_lorem_ipsum``) draws from."""

from __future__ import annotations

from kettle.templates.utils import LOREM_IPSUM_WORDS

__all__ = ["LOREM_IPSUM_WORDS"]
