"""Broadcast across the workers of one ``kettle serve --workers 2`` master, with no Redis:
an event stream on one worker and a WebSocket on the other both receive every publish,
whichever worker handled the publishing request. Clients and publishes are steered to a
given worker by stopping the other one (SIGSTOP) while it accepts; every answer carries
the pid, so the test checks they really landed where intended."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from server.masters import TIMEOUT, Master
from websockets.sync.client import connect

from kettle.realtime.localbus import decode_payload, encode_frame

from .conftest import read_until

APP = """
import os

from kettle.realtime.broadcast import publish
from kettle.realtime.sse import ChannelStream
from kettle.realtime.websocket import ConnectionClosed, accept

def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/channel":
        stream = ChannelStream("news", initial=[f"joined {os.getpid()}"])
        return stream(environ, start_response)
    if path == "/ws":
        ws = accept(environ)
        ws.send(f"joined {os.getpid()}")
        ws.attach("news")
        try:
            for _ in ws:
                pass
        except ConnectionClosed:
            pass
        start_response("101 Switching Protocols", [])
        return []
    if path == "/publish":
        publish("news", f"{environ['QUERY_STRING']} from {os.getpid()}")
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""


@pytest.fixture
def master(tmp_path: Path) -> Iterator[Master]:
    (tmp_path / "rtapp.py").write_text(APP)
    running = Master(tmp_path, "rtapp:app", "--workers", "2")
    try:
        yield running
    finally:
        assert running.stop() == 0
        assert "Traceback" not in running.log


def pause(pid: int) -> None:
    """SIGSTOP ``pid`` and wait until it is stopped (the signal is delivered async)."""
    os.kill(pid, signal.SIGSTOP)
    deadline = time.monotonic() + TIMEOUT
    while Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "T":
        assert time.monotonic() < deadline, f"{pid} did not stop"
        time.sleep(0.005)


def test_a_publish_reaches_sse_and_websocket_clients_on_two_workers(master: Master) -> None:
    pids = set(master.wait_ready(2))
    stream = socket.create_connection(("127.0.0.1", master.port), timeout=TIMEOUT)
    stream.sendall(b"GET /channel HTTP/1.1\r\nHost: x\r\n\r\n")
    data = read_until(stream, b"", b"data: joined ")
    data = read_until(stream, data, b"\n\n")
    sse_pid = int(data.rpartition(b"data: joined ")[2].split(b"\n")[0])
    assert sse_pid in pids
    other = (pids - {sse_pid}).pop()
    pause(sse_pid)  # only the other worker can accept now
    resumed = False
    try:
        with connect(f"ws://127.0.0.1:{master.port}/ws", open_timeout=TIMEOUT) as ws:
            joined = ws.recv(timeout=TIMEOUT)
            os.kill(sse_pid, signal.SIGCONT)
            resumed = True
            assert joined == f"joined {other}"
            publishers = set()
            for number, paused in enumerate([sse_pid, other, sse_pid, other]):
                pause(paused)  # so the publish lands on the other worker
                try:
                    status, body = master.get(f"/publish?m{number}")
                finally:
                    os.kill(paused, signal.SIGCONT)
                assert status == 200 and int(body) != paused
                publishers.add(int(body))
                expected = f"m{number} from {body}"
                assert ws.recv(timeout=TIMEOUT) == expected
                data = read_until(stream, data, f"data: {expected}\n\n".encode())
            assert publishers == pids
    finally:
        if not resumed:
            os.kill(sse_pid, signal.SIGCONT)
        stream.close()


def test_frames_round_trip() -> None:
    frame = encode_frame("chän", "hello\x00 \U0001f600")
    assert frame[:4] == (len(frame) - 4).to_bytes(4, "big")
    assert decode_payload(frame[4:]) == ("chän", "hello\x00 \U0001f600")
