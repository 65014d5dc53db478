"""Class-based views: ``View`` (override ``dispatch_request``) and ``MethodView`` (one method
per HTTP verb).

Rules: ``as_view`` returns a plain function that the router calls like any view; it creates
a new instance per request unless ``init_every_request`` is false. ``MethodView`` collects
the verbs it implements into ``methods`` when the subclass is created, answers HEAD with
``get`` when there is no ``head``, and an unimplemented verb is a clear error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from .globals import current_app, get_request

HTTP_METHOD_FUNCS = frozenset(
    ["get", "post", "head", "options", "delete", "put", "trace", "patch"]
)


class View:
    """Subclass and implement ``dispatch_request``; register with ``as_view(name)``."""

    methods: ClassVar[Any] = None
    provide_automatic_options: ClassVar[bool | None] = None
    decorators: ClassVar[list[Callable[..., Any]]] = []
    init_every_request: ClassVar[bool] = True

    def dispatch_request(self, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement dispatch_request")

    @classmethod
    def as_view(cls, name: str, *class_args: Any, **class_kwargs: Any) -> Callable[..., Any]:
        if cls.init_every_request:

            def view(**kwargs: Any) -> Any:
                instance = view.view_class(*class_args, **class_kwargs)  # type: ignore[attr-defined]
                return current_app.ensure_sync(instance.dispatch_request)(**kwargs)

        else:
            shared = cls(*class_args, **class_kwargs)

            def view(**kwargs: Any) -> Any:
                return current_app.ensure_sync(shared.dispatch_request)(**kwargs)

        if cls.decorators:
            # As Flask: the decorators see the view under its endpoint name (extensions
            # such as Flask-Limiter key their state by it), then the result is named too.
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)
        view.view_class = cls  # type: ignore[attr-defined]
        view.__name__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.methods = cls.methods  # type: ignore[attr-defined]
        view.provide_automatic_options = cls.provide_automatic_options  # type: ignore[attr-defined]
        return view


class MethodView(View):
    """Dispatches to the method named after the request's HTTP verb (``get``, ``post``, ...)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" not in cls.__dict__:
            methods: set[str] = set()
            for base in cls.__bases__:
                if getattr(base, "methods", None):
                    methods.update(base.methods)  # type: ignore[attr-defined]
            for key in HTTP_METHOD_FUNCS:
                if hasattr(cls, key):
                    methods.add(key.upper())
            if methods:
                cls.methods = methods

    def dispatch_request(self, **kwargs: Any) -> Any:
        method_name = get_request().method.lower()
        handler = getattr(self, method_name, None)
        if handler is None and method_name == "head":
            handler = getattr(self, "get", None)
        if handler is None:
            raise RuntimeError(f"Unimplemented method {get_request().method!r}")
        return current_app.ensure_sync(handler)(**kwargs)
