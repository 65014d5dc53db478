"""Settings every test package shares.

Several tests stop a server subprocess the way a developer does, with Ctrl+C (SIGINT). A
shell that starts a job in the background without job control (``make test &``, some CI
runners) starts it with SIGINT ignored, and an ignored signal stays ignored across fork
and exec, so every server those tests start would ignore their Ctrl+C. Python's own
handler is put back here: a handled signal is reset to its default in an exec'd child, so
children see SIGINT as a terminal delivers it.
"""

from __future__ import annotations

import signal

if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
