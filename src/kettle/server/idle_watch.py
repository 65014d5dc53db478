"""The idle watch of the ``compute_threads`` gate, run as a child process of the server
(``kettle.server.gate``; docs/server.md, "compute_threads").

A program of its own, started as ``python -I -S idle_watch.py ...``: it imports nothing of
kettle and shares no GIL with the server. It runs under ``SCHED_IDLE`` on the pool's CPU,
so the kernel runs it only when nothing else there can run. A thread of the server that
ran Python at that priority held the server's GIL while the kernel kept it waiting for a
turn, and every serving thread waited with it (a p99 of 2.2-4.2 ms on ``/plaintext`` with
one computing thread, against 1.3-1.6 ms without the watch).

Arguments: the CPU, the watch's epoll (the server registers its connection set, one-shot,
and the gate's refusal pipe in it), the connection set's epoll (to arm it again), the
server's wake pipe (its number as the server registered it: shutdown), the pipe to
report on, the pipe the report's answer comes back on, the longest gap between two turns
of an idle CPU (seconds), and how many turns in a row make one.

Protocol: one byte on start (``S``, or ``R`` and the reason SCHED_IDLE was refused, and
the program ends). Then, each time requests wait for a thread while the CPU is idle, one
byte ``i``, and the watch waits for one byte back (the server let a thread in, or chose
not to). It ends on the wake pipe, when the answer pipe closes, or when its parent is gone.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time

_ARM = select.EPOLLIN | select.EPOLLONESHOT
PARENT_LOOK = 0.1  # seconds between two looks at whether the server still runs
RELOOK = 0.001  # seconds from a busy verdict to the next look at the connection set


def main(argv: list[str]) -> int:
    cpu, watch_fd, conns_fd, wake_fd, report_fd, answer_fd = (int(arg) for arg in argv[:6])
    idle_gap, idle_runs = float(argv[6]), int(argv[7])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when the watch ends
    parent = os.getppid()
    try:
        os.sched_setaffinity(0, {cpu})
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (OSError, AttributeError) as exc:
        os.write(report_fd, b"R" + str(exc).encode()[:200])
        return 0
    os.write(report_fd, b"S")
    watch = select.epoll.fromfd(watch_fd)
    clock = time.perf_counter
    give_way = os.sched_yield
    while True:
        try:
            events = watch.poll(PARENT_LOOK, 4)
        except InterruptedError:
            continue
        if os.getppid() != parent:
            return 0
        if not events:
            continue
        if any(fd == wake_fd for fd, _mask in events):
            return 0
        last = clock()
        for _turn in range(idle_runs):
            give_way()
            now = clock()
            if now - last > idle_gap:
                break  # something else ran: the CPU is busy
            last = now
        else:
            try:
                os.write(report_fd, b"i")
                if not os.read(answer_fd, 1):
                    return 0
            except OSError:
                return 0
            continue
        # Busy: look again a little later if requests are still there. (At once, this loop
        # spun beside the computing threads, and /plaintext's p99 with one computing
        # thread was 1.6-2.3 ms against 1.2-1.6 with no second look.)
        time.sleep(RELOOK)
        try:
            watch.modify(conns_fd, _ARM)
        except OSError:
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
