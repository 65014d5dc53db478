"""Context-local storage with Werkzeug's API: ``Local``, ``LocalStack``, ``LocalProxy``.

Owns the general-purpose context locals that extensions written against
``werkzeug.local`` use, built on :mod:`contextvars` so that threads and asyncio tasks each
see their own values. Kettle's own ``request``/``g``/``current_app`` use the thinner
``kettle.web.globals.ContextProxy``; this module is for code that builds its own locals.

Rules:
- Storage is copy-on-write: a ``Local``'s dict or a ``LocalStack``'s list is replaced,
  never mutated, so a context copied before a change never sees it.
- A ``LocalProxy`` forwards every operation, special methods included, to the object it
  resolves to at the time of the operation. When nothing is bound it raises
  ``RuntimeError`` with its ``unbound_message``, except where Werkzeug gives a fallback
  (``repr``, ``bool``, ``dir``, ``__class__``, ``__doc__``).
"""

from __future__ import annotations

import copy
import math
import operator
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from functools import partial, update_wrapper
from typing import Any, Generic, TypeVar

from .wsgi import ClosingIterator

T = TypeVar("T")
_UNBOUND = "object is not bound"


class Local:
    """An object whose attributes are separate per context (thread or asyncio task)."""

    __slots__ = ("_Local__storage",)

    def __init__(self, context_var: ContextVar[dict[str, Any]] | None = None) -> None:
        if context_var is None:
            context_var = ContextVar(f"kettle.Local<{id(self)}>.storage")
        object.__setattr__(self, "_Local__storage", context_var)

    def _values(self) -> dict[str, Any]:
        storage: ContextVar[dict[str, Any]] = object.__getattribute__(self, "_Local__storage")
        return storage.get({})

    def _store(self, values: dict[str, Any]) -> None:
        object.__getattribute__(self, "_Local__storage").set(values)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self._values().items())

    def __call__(self, name: str, *, unbound_message: str | None = None) -> LocalProxy[Any]:
        """A proxy to the attribute ``name`` of this local."""
        return LocalProxy(self, name, unbound_message=unbound_message)

    def __release_local__(self) -> None:
        self._store({})

    def __getattr__(self, name: str) -> Any:
        values = self._values()
        if name in values:
            return values[name]
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._store({**self._values(), name: value})

    def __delattr__(self, name: str) -> None:
        values = self._values()
        if name not in values:
            raise AttributeError(name)
        self._store({key: value for key, value in values.items() if key != name})


class LocalStack(Generic[T]):
    """A stack per context: ``push``, ``pop`` and ``top`` (``None`` when empty)."""

    __slots__ = ("_storage",)

    def __init__(self, context_var: ContextVar[list[T]] | None = None) -> None:
        if context_var is None:
            context_var = ContextVar(f"kettle.LocalStack<{id(self)}>.storage")
        self._storage = context_var

    def __release_local__(self) -> None:
        self._storage.set([])

    def push(self, obj: T) -> list[T]:
        """Push ``obj``; returns the new stack (a copy)."""
        stack = [*self._storage.get([]), obj]
        self._storage.set(stack)
        return stack

    def pop(self) -> T | None:
        """Remove and return the top item, or ``None`` if the stack is empty."""
        stack = self._storage.get([])
        if not stack:
            return None
        self._storage.set(stack[:-1])
        return stack[-1]

    @property
    def top(self) -> T | None:
        stack = self._storage.get([])
        return stack[-1] if stack else None

    def __call__(
        self, name: str | None = None, *, unbound_message: str | None = None
    ) -> LocalProxy[Any]:
        """A proxy to the top item (or to its attribute ``name``)."""
        return LocalProxy(self, name, unbound_message=unbound_message)


def release_local(local: Local | LocalStack[Any]) -> None:
    """Clear ``local`` for the current context."""
    local.__release_local__()


class LocalManager:
    """Clears a group of locals at the end of each request (``make_middleware``)."""

    def __init__(self, locals: Any = None) -> None:
        if locals is None:
            self.locals: list[Any] = []
        elif isinstance(locals, Local | LocalStack):
            self.locals = [locals]
        else:
            self.locals = list(locals)

    def cleanup(self) -> None:
        for local in self.locals:
            release_local(local)

    def make_middleware(self, app: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap a WSGI app so the locals are cleared when its response is closed."""

        def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            return ClosingIterator(app(environ, start_response), self.cleanup)

        return application

    def middleware(self, func: Callable[..., Any]) -> Callable[..., Any]:
        return update_wrapper(self.make_middleware(func), func)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} storages: {len(self.locals)}>"


class _Forward:
    """Descriptor for one special method of ``LocalProxy``: resolve, then forward."""

    def __init__(
        self,
        func: Callable[..., Any] | None = None,
        fallback: Callable[[Any], Any] | None = None,
        class_value: Any = None,
        is_attr: bool = False,
    ) -> None:
        self.bind: Callable[[Any, Any], Any] | None = (
            None if func is None else (lambda proxy, obj: partial(func, obj))
        )
        self.fallback = fallback
        self.class_value = class_value
        self.is_attr = is_attr
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self if self.class_value is None else self.class_value
        try:
            obj = instance._get_current_object()
        except RuntimeError:
            if self.fallback is None:
                raise
            if self.is_attr:
                return self.fallback(instance)
            return partial(self.fallback, instance)
        if self.bind is not None:
            return self.bind(instance, obj)
        return getattr(obj, self.name)

    def __call__(self, instance: Any, *args: Any, **kwargs: Any) -> Any:
        return self.__get__(instance, type(instance))(*args, **kwargs)


class _ForwardInPlace(_Forward):
    """An in-place operator: applied to the object, the result is the proxy itself."""

    def __init__(self, func: Callable[[Any, Any], Any]) -> None:
        super().__init__()

        def bind(proxy: Any, obj: Any) -> Callable[[Any], Any]:
            def in_place(other: Any) -> Any:
                func(obj, other)
                return proxy

            return in_place

        self.bind = bind


def _reflected(func: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    return lambda obj, other: func(other, obj)


class LocalProxy(Generic[T]):
    """A proxy to the object a local resolves to at the time of each operation: a
    ``LocalProxy`` forwards every operation to it.

    ``local`` is a ``Local`` (``name`` required), a ``LocalStack`` (its top, or the top's
    attribute ``name``), a ``ContextVar`` (its value, or the value's attribute ``name``)
    or a callable returning the object.
    """

    __slots__ = ("_get_current_object", "_local")

    _get_current_object: Callable[[], T]

    def __init__(
        self, local: Any, name: str | None = None, *, unbound_message: str | None = None
    ) -> None:
        message = unbound_message or _UNBOUND
        pick: Callable[[Any], Any] = operator.attrgetter(name) if name else (lambda obj: obj)
        if isinstance(local, Local):
            if name is None:
                raise TypeError("'name' is required when proxying a 'Local' object.")

            def resolve() -> Any:
                try:
                    return pick(local)
                except AttributeError:
                    raise RuntimeError(message) from None

        elif isinstance(local, LocalStack):

            def resolve() -> Any:
                top = local.top
                if top is None:
                    raise RuntimeError(message)
                return pick(top)

        elif isinstance(local, ContextVar):

            def resolve() -> Any:
                try:
                    value = local.get()
                except LookupError:
                    raise RuntimeError(message) from None
                return pick(value)

        elif callable(local):

            def resolve() -> Any:
                return pick(local())

        else:
            raise TypeError(f"Don't know how to proxy {type(local)!r}.")
        object.__setattr__(self, "_local", local)
        object.__setattr__(self, "_get_current_object", resolve)

    __doc__ = _Forward(class_value=__doc__, fallback=lambda self: type(self).__doc__, is_attr=True)
    # The object's own ``__wrapped__`` when bound; the local itself when unbound.
    __wrapped__ = _Forward(
        fallback=lambda self: object.__getattribute__(self, "_local"), is_attr=True
    )
    __repr__ = _Forward(repr, fallback=lambda self: f"<{type(self).__name__} unbound>")
    __str__ = _Forward(str)
    __bytes__ = _Forward(bytes)
    __format__ = _Forward(format)
    __lt__ = _Forward(operator.lt)
    __le__ = _Forward(operator.le)
    __eq__ = _Forward(operator.eq)
    __ne__ = _Forward(operator.ne)
    __gt__ = _Forward(operator.gt)
    __ge__ = _Forward(operator.ge)
    __hash__ = _Forward(hash)
    __bool__ = _Forward(bool, fallback=lambda self: False)
    __getattr__ = _Forward(getattr)
    __setattr__ = _Forward(setattr)
    __delattr__ = _Forward(delattr)
    __dir__ = _Forward(dir, fallback=lambda self: [])
    __class__ = _Forward(fallback=lambda self: type(self), is_attr=True)
    __instancecheck__ = _Forward(lambda self, other: isinstance(other, self))
    __subclasscheck__ = _Forward(lambda self, other: issubclass(other, self))
    __call__ = _Forward(lambda self, *args, **kwargs: self(*args, **kwargs))
    __len__ = _Forward(len)
    __length_hint__ = _Forward(operator.length_hint)
    __getitem__ = _Forward(operator.getitem)
    __setitem__ = _Forward(operator.setitem)
    __delitem__ = _Forward(operator.delitem)
    __iter__ = _Forward(iter)
    __next__ = _Forward(next)
    __reversed__ = _Forward(reversed)
    __contains__ = _Forward(operator.contains)
    __add__ = _Forward(operator.add)
    __sub__ = _Forward(operator.sub)
    __mul__ = _Forward(operator.mul)
    __matmul__ = _Forward(operator.matmul)
    __truediv__ = _Forward(operator.truediv)
    __floordiv__ = _Forward(operator.floordiv)
    __mod__ = _Forward(operator.mod)
    __divmod__ = _Forward(divmod)
    __pow__ = _Forward(pow)
    __lshift__ = _Forward(operator.lshift)
    __rshift__ = _Forward(operator.rshift)
    __and__ = _Forward(operator.and_)
    __xor__ = _Forward(operator.xor)
    __or__ = _Forward(operator.or_)
    __radd__ = _Forward(_reflected(operator.add))
    __rsub__ = _Forward(_reflected(operator.sub))
    __rmul__ = _Forward(_reflected(operator.mul))
    __rmatmul__ = _Forward(_reflected(operator.matmul))
    __rtruediv__ = _Forward(_reflected(operator.truediv))
    __rfloordiv__ = _Forward(_reflected(operator.floordiv))
    __rmod__ = _Forward(_reflected(operator.mod))
    __rdivmod__ = _Forward(_reflected(divmod))
    __rpow__ = _Forward(_reflected(pow))
    __rlshift__ = _Forward(_reflected(operator.lshift))
    __rrshift__ = _Forward(_reflected(operator.rshift))
    __rand__ = _Forward(_reflected(operator.and_))
    __rxor__ = _Forward(_reflected(operator.xor))
    __ror__ = _Forward(_reflected(operator.or_))
    __iadd__ = _ForwardInPlace(operator.iadd)
    __isub__ = _ForwardInPlace(operator.isub)
    __imul__ = _ForwardInPlace(operator.imul)
    __imatmul__ = _ForwardInPlace(operator.imatmul)
    __itruediv__ = _ForwardInPlace(operator.itruediv)
    __ifloordiv__ = _ForwardInPlace(operator.ifloordiv)
    __imod__ = _ForwardInPlace(operator.imod)
    __ipow__ = _ForwardInPlace(operator.ipow)
    __ilshift__ = _ForwardInPlace(operator.ilshift)
    __irshift__ = _ForwardInPlace(operator.irshift)
    __iand__ = _ForwardInPlace(operator.iand)
    __ixor__ = _ForwardInPlace(operator.ixor)
    __ior__ = _ForwardInPlace(operator.ior)
    __neg__ = _Forward(operator.neg)
    __pos__ = _Forward(operator.pos)
    __abs__ = _Forward(abs)
    __invert__ = _Forward(operator.invert)
    __complex__ = _Forward(complex)
    __int__ = _Forward(int)
    __float__ = _Forward(float)
    __index__ = _Forward(operator.index)
    __round__ = _Forward(round)
    __trunc__ = _Forward(math.trunc)
    __floor__ = _Forward(math.floor)
    __ceil__ = _Forward(math.ceil)
    __enter__ = _Forward()
    __exit__ = _Forward()
    __await__ = _Forward()
    __aiter__ = _Forward()
    __anext__ = _Forward()
    __aenter__ = _Forward()
    __aexit__ = _Forward()
    __copy__ = _Forward(copy.copy)
    __deepcopy__ = _Forward(copy.deepcopy)
