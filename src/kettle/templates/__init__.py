"""The Jinja-compatible template engine: lexer -> parser -> nodes -> compiler -> runtime.

Rules: imports nothing else of kettle, so the engine is usable on its own. Its third-party
dependency is markupsafe (``Markup`` is the safe-string type).
"""
