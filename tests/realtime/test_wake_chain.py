"""The wake chain: a broadcast wakes blocked subscribers one after another, every one of
them gets every message, and no turn is ever lost (a subscriber that times out, is
closed or is not blocked any more when its turn comes is skipped, never waited for)."""

from __future__ import annotations

import threading
import time

from kettle.realtime import channels
from kettle.realtime.channels import MemoryBroadcast, Subscription, SubscriptionClosed

TIMEOUT = 10.0


def _chain_idle() -> bool:
    chain = channels._chain
    deadline = time.monotonic() + TIMEOUT
    while chain._running or chain._line:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def _blocked(subscriptions: list[Subscription]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not all(s._waiting for s in subscriptions):
        assert time.monotonic() < deadline, "subscribers did not block in get()"
        time.sleep(0.005)


def test_every_blocked_subscriber_gets_every_message() -> None:
    hub = MemoryBroadcast()
    subscriptions = [hub.subscribe("room") for _ in range(200)]
    received: list[list[str]] = [[] for _ in subscriptions]

    def read(index: int) -> None:
        for _ in range(3):
            received[index].append(subscriptions[index].get(timeout=TIMEOUT))

    threads = [threading.Thread(target=read, args=(i,)) for i in range(len(subscriptions))]
    for thread in threads:
        thread.start()
    _blocked(subscriptions)
    for number in range(3):
        hub.publish("room", f"m{number}")
    for thread in threads:
        thread.join(TIMEOUT)
    assert received == [["m0", "m1", "m2"]] * 200
    assert _chain_idle()
    for subscription in subscriptions:
        subscription.close()


def test_a_turn_is_passed_on_when_its_subscriber_left() -> None:
    hub = MemoryBroadcast()
    chain = channels._chain
    gone, closed, waiting = (hub.subscribe("room") for _ in range(3))
    outcomes: dict[str, object] = {}

    def read(name: str, subscription: Subscription, timeout: float) -> None:
        try:
            outcomes[name] = subscription.get(timeout=timeout)
        except (TimeoutError, SubscriptionClosed) as exc:
            outcomes[name] = type(exc).__name__

    threads = [
        threading.Thread(target=read, args=("gone", gone, 0.3)),
        threading.Thread(target=read, args=("closed", closed, TIMEOUT)),
        threading.Thread(target=read, args=("waiting", waiting, TIMEOUT)),
    ]
    for thread in threads:
        thread.start()
    _blocked([gone, closed, waiting])
    # Hold every turn, so the three wake-ups queue in the chain's line.
    with chain._lock:
        chain._running += chain.width
    try:
        hub.publish("room", "hello")
        assert list(chain._line) == [gone, closed, waiting]
        threads[0].join(TIMEOUT)  # its wait times out while its wake-up waits in line
        closed.close()
        threads[1].join(TIMEOUT)
    finally:
        with chain._lock:
            chain._running -= chain.width - 1
        chain.advance()  # give the held turn back: the line moves on
    threads[2].join(TIMEOUT)
    # "gone" was not woken by the chain: its own timeout ended the wait, and it found the
    # message queued meanwhile.
    assert outcomes == {"gone": "hello", "closed": "SubscriptionClosed", "waiting": "hello"}
    assert _chain_idle()
    assert gone.get_nowait() is None
    gone.close()
    waiting.close()


def test_a_subscriber_that_is_not_blocked_costs_no_turn() -> None:
    hub = MemoryBroadcast()
    with hub.subscribe("room") as subscription:
        hub.publish("room", "one")
        hub.publish("room", "two")
        assert channels._chain._running == 0
        assert list(channels._chain._line) == []
        assert subscription.get(timeout=1) == "one"
        assert subscription.get(timeout=1) == "two"
