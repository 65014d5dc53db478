"""Werkzeug-compatible context locals (kettle.web.local) on contextvars."""

from __future__ import annotations

import asyncio
import copy
import math
import threading
from contextvars import ContextVar

import pytest

from kettle.web.local import Local, LocalManager, LocalProxy, LocalStack, release_local


def test_local_is_per_thread_and_releasable():
    ns = Local()
    ns.value = 1
    seen = []

    def other():
        seen.append(hasattr(ns, "value"))
        ns.value = 2
        seen.append(ns.value)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(5)
    assert seen == [False, 2]
    assert ns.value == 1
    assert dict(ns) == {"value": 1}
    del ns.value
    with pytest.raises(AttributeError):
        del ns.value
    ns.value = 3
    release_local(ns)
    assert not hasattr(ns, "value")


def test_local_is_per_asyncio_task():
    ns = Local()

    async def worker(n):
        ns.value = n
        await asyncio.sleep(0)
        return ns.value

    async def main():
        return await asyncio.gather(*(worker(n) for n in range(3)))

    assert asyncio.run(main()) == [0, 1, 2]


def test_local_stack():
    stack: LocalStack[int] = LocalStack()
    assert stack.top is None and stack.pop() is None
    stack.push(1)
    stack.push(2)
    assert stack.top == 2
    proxy = stack()
    assert proxy == 2
    assert stack.pop() == 2
    assert proxy == 1
    release_local(stack)
    assert stack.top is None
    with pytest.raises(RuntimeError, match="object is not bound"):
        proxy._get_current_object()


def test_proxy_sources_and_unbound_fallbacks():
    var: ContextVar[dict] = ContextVar("test_proxy_var")
    proxy = LocalProxy(var, unbound_message="no dict here")
    assert repr(proxy) == "<LocalProxy unbound>"
    assert proxy.__wrapped__ is var  # unbound: the local itself
    assert bool(proxy) is False
    assert dir(proxy) == []
    with pytest.raises(RuntimeError, match="no dict here"):
        proxy["x"]
    token = var.set({"x": 1})
    try:
        assert proxy["x"] == 1
        assert proxy.__class__ is dict
        assert isinstance(proxy, dict)
        with pytest.raises(AttributeError):  # bound: the dict's own (missing) __wrapped__
            proxy.__wrapped__  # noqa: B018
        proxy["y"] = 2
        assert var.get() == {"x": 1, "y": 2}
    finally:
        var.reset(token)
    ns = Local()
    named = ns("thing")
    ns.thing = [1, 2]
    assert len(named) == 2 and list(named) == [1, 2] and 2 in named
    with pytest.raises(TypeError, match="'name' is required"):
        LocalProxy(ns)
    with pytest.raises(TypeError, match="Don't know how to proxy"):
        LocalProxy(42)


def test_proxy_forwards_operators():
    value = [5]
    number = LocalProxy(lambda: value[0])
    assert (number + 1, 1 + number, number * 2, 2**number, -number) == (6, 6, 10, 32, -5)
    assert (number // 2, 11 % number, divmod(number, 2), abs(number)) == (2, 1, (2, 1), 5)
    assert (number < 6, number >= 5, number == 5, hash(number)) == (True, True, True, hash(5))
    assert (int(number), float(number), str(number), f"{number:03d}") == (5, 5.0, "5", "005")
    assert (round(LocalProxy(lambda: 2.5)), math.floor(LocalProxy(lambda: 2.5))) == (2, 2)
    items = [1]
    proxy = LocalProxy(lambda: items)
    proxy += [2]
    assert items == [1, 2] and isinstance(proxy, list)
    assert copy.copy(proxy) == [1, 2] and copy.copy(proxy) is not items
    assert LocalProxy(lambda: len)([1, 2, 3]) == 3


def test_proxy_attribute_access_and_context_manager():
    class Box:
        def __init__(self):
            self.entered = False

        def __enter__(self):
            self.entered = True
            return "inside"

        def __exit__(self, *exc):
            return False

    box = Box()
    proxy = LocalProxy(lambda: box)
    proxy.label = "x"
    assert box.label == "x" and proxy.label == "x"
    del proxy.label
    assert not hasattr(box, "label")
    with proxy as entered:
        assert entered == "inside"
    assert box.entered is True


def test_local_manager_middleware_clears_locals():
    ns = Local()
    manager = LocalManager([ns])

    def app(environ, start_response):
        ns.user = "alice"
        start_response("200 OK", [])
        return [b"ok"]

    wrapped = manager.make_middleware(app)
    body = wrapped({}, lambda status, headers: None)
    assert list(body) == [b"ok"]
    assert ns.user == "alice"
    body.close()
    assert not hasattr(ns, "user")
    assert repr(manager) == "<LocalManager storages: 1>"
