"""Broadcast: the in-memory hub and its slow-subscriber policy, and Redis pub/sub shared
by two server processes through a real ``redis-server``."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from kettle.realtime.broadcast import (
    MemoryBroadcast,
    RedisBroadcast,
    SubscriptionClosed,
    broadcast_from_url,
    get_broadcast,
    set_broadcast,
)

from .conftest import read_until

TESTS = Path(__file__).resolve().parent.parent


def test_publish_reaches_every_subscriber_of_the_channel() -> None:
    hub = MemoryBroadcast()
    a, b, other = hub.subscribe("c"), hub.subscribe("c"), hub.subscribe("d")
    hub.publish("c", "m1")
    hub.publish("c", "m2")
    assert [a.get(timeout=1), a.get(timeout=1)] == ["m1", "m2"]
    assert [b.get(timeout=1), b.get(timeout=1)] == ["m1", "m2"]
    assert other.get_nowait() is None


def test_slow_subscriber_drops_oldest_and_never_blocks_publisher() -> None:
    hub = MemoryBroadcast()
    slow = hub.subscribe("c", maxsize=2)
    fast = hub.subscribe("c")
    for n in range(5):
        hub.publish("c", str(n))
    assert [fast.get(timeout=1) for _ in range(5)] == ["0", "1", "2", "3", "4"]
    assert [slow.get(timeout=1), slow.get(timeout=1)] == ["3", "4"]
    assert slow.dropped == 3
    assert fast.dropped == 0


def test_get_timeout_and_close() -> None:
    hub = MemoryBroadcast()
    subscription = hub.subscribe("c")
    with pytest.raises(TimeoutError):
        subscription.get(timeout=0.05)
    errors: list[BaseException] = []

    def wait() -> None:
        try:
            subscription.get()
        except SubscriptionClosed as exc:
            errors.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.05)
    subscription.close()
    waiter.join(timeout=2)
    assert [str(e) for e in errors] == ["subscription to 'c' is closed"]
    assert hub.subscriber_count("c") == 0


def test_iteration_ends_when_closed() -> None:
    hub = MemoryBroadcast()
    subscription = hub.subscribe("c")
    hub.publish("c", "x")
    subscription.close()
    assert list(subscription) == []


@pytest.mark.parametrize(
    ("channel", "message", "error"),
    [
        ("", "m", "a channel name must be a non-empty str"),
        ("c", b"bytes", "broadcast messages are str, not bytes"),
    ],
    ids=["empty-channel", "bytes-message"],
)
def test_bad_arguments(channel: str, message: object, error: str) -> None:
    with pytest.raises((ValueError, TypeError)) as info:
        MemoryBroadcast().publish(channel, message)  # type: ignore[arg-type]
    assert str(info.value) == error


def test_backend_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = set_broadcast(None)
    try:
        monkeypatch.setenv("KETTLE_BROADCAST_URL", "memory://")
        assert isinstance(get_broadcast(), MemoryBroadcast)
    finally:
        set_broadcast(previous)
    with pytest.raises(ValueError) as info:
        broadcast_from_url("amqp://x")
    assert str(info.value) == "unknown broadcast URL 'amqp://x' (use redis://... or memory://)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (make test installs it with apt-get)")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.redis
def test_redis_backend_in_one_process(redis_url: str) -> None:
    backend = broadcast_from_url(redis_url)
    assert isinstance(backend, RedisBroadcast)
    try:
        subscription = backend.subscribe("chat")
        backend.publish("chat", "héllo")
        backend.publish("other", "not for us")
        backend.publish("chat", "again")
        assert subscription.get(timeout=5) == "héllo"
        assert subscription.get(timeout=5) == "again"
        assert subscription.get_nowait() is None
    finally:
        backend.close()


def start_node(redis_url: str) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "KETTLE_BROADCAST_URL": redis_url, "PYTHONPATH": str(TESTS)}
    process = subprocess.Popen(
        [sys.executable, "-m", "realtime.node"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    return process, int(line)


def http_get(port: int, target: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    return data


@pytest.mark.redis
def test_broadcast_across_two_server_processes(redis_url: str) -> None:
    (first, first_port), (second, second_port) = start_node(redis_url), start_node(redis_url)
    try:
        with socket.create_connection(("127.0.0.1", second_port), timeout=5) as sock:
            sock.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            body = b""
            body = read_until(sock, body, b"data: subscribed\n\n")
            assert http_get(first_port, "/publish?m=from+the+first").endswith(b"published")
            body = read_until(sock, body, b"data: from the first\n\n")
        assert body.endswith(b"data: subscribed\n\ndata: from the first\n\n")
    finally:
        for process in (first, second):
            assert process.stdin is not None
            process.stdin.close()
            process.wait(timeout=10)
            assert process.stdout is not None
            process.stdout.close()


def start_redis(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (make test installs it with apt-get)")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.05)


@pytest.mark.redis
def test_redis_listener_reconnects_after_a_restart(tmp_path: Path) -> None:
    port = free_port()
    redis_process = start_redis(port, tmp_path)
    backend = RedisBroadcast(f"redis://127.0.0.1:{port}/0")
    try:
        subscription = backend.subscribe("c")
        backend.publish("c", "before")
        assert subscription.get(timeout=5) == "before"
        redis_process.terminate()
        redis_process.wait(timeout=10)
        redis_process = start_redis(port, tmp_path)
        deadline = time.monotonic() + 10
        while True:  # messages published while the listener is away are lost
            try:
                backend.publish("c", "after")
                assert subscription.get(timeout=0.5) == "after"
                break
            except (TimeoutError, OSError, redis.RedisError):
                assert time.monotonic() < deadline, "the listener never came back"
                time.sleep(0.1)
    finally:
        backend.close()
        redis_process.terminate()
        redis_process.wait(timeout=10)
