"""HTTP-date formatting and parsing (RFC 9110 section 5.6.7) and a cached Date header.

Rules: ``format_http_date`` always produces the preferred IMF-fixdate form in GMT;
``parse_http_date`` accepts the three forms a recipient must accept (IMF-fixdate, the
obsolete RFC 850 form and asctime) and returns ``None`` for anything else instead of
raising, because a bad date in a request header is ignored, not an error. The cached
header is recomputed at most once per second; reading it is one attribute lookup and one
comparison, so a server can call it on every response.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
_MONTH_NUMBER = {name.lower(): index + 1 for index, name in enumerate(_MONTHS)}
_LONG_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def format_http_date(timestamp: float | datetime | None = None) -> str:
    """Format a POSIX timestamp or a datetime (naive means UTC) as an IMF-fixdate.

    ``None`` means now. Example: ``Sun, 06 Nov 1994 08:49:37 GMT``.
    """
    if timestamp is None:
        timestamp = time.time()
    if isinstance(timestamp, datetime):
        if timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=UTC)
        timestamp = timestamp.timestamp()
    tm = time.gmtime(timestamp)
    return (
        f"{_DAYS[tm.tm_wday]}, {tm.tm_mday:02d} {_MONTHS[tm.tm_mon - 1]} {tm.tm_year:04d} "
        f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} GMT"
    )


def _clock(text: str) -> tuple[int, int, int] | None:
    parts = text.split(":")
    if len(parts) != 3 or not all(len(p) == 2 and p.isdigit() for p in parts):
        return None
    hour, minute, second = (int(p) for p in parts)
    if hour > 23 or minute > 59 or second > 60:
        return None
    return hour, minute, min(second, 59)


def _build(year: int, month: int | None, day: str, clock: str) -> datetime | None:
    hms = _clock(clock)
    if month is None or hms is None or not day.isdigit() or len(day) > 2:
        return None
    try:
        return datetime(year, month, int(day), *hms, tzinfo=UTC)
    except ValueError:
        return None


def parse_http_date(value: str | None) -> datetime | None:
    """Parse any of the three HTTP-date forms into an aware UTC datetime, else ``None``."""
    if not value:
        return None
    words = value.strip().split()
    if len(words) == 6 and words[0].rstrip(",") in _DAYS and words[5] == "GMT":
        # IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        _, day, month, year, clock, _ = words
        if not (year.isdigit() and len(year) == 4 and len(day) == 2):
            return None
        return _build(int(year), _MONTH_NUMBER.get(month.lower()), day, clock)
    if len(words) == 4 and words[0].rstrip(",").lower() in _LONG_DAYS and words[3] == "GMT":
        # RFC 850: Sunday, 06-Nov-94 08:49:37 GMT; two-digit years within 50 years of
        # now are read as the most recent such year (RFC 9110 section 5.6.7).
        pieces = words[1].split("-")
        if len(pieces) != 3 or not (pieces[2].isdigit() and len(pieces[2]) == 2):
            return None
        century_year = 1900 + int(pieces[2])
        if century_year < time.gmtime().tm_year - 50:
            century_year += 100
        return _build(century_year, _MONTH_NUMBER.get(pieces[1].lower()), pieces[0], words[2])
    if len(words) == 5 and words[0] in _DAYS:
        # asctime: Sun Nov  6 08:49:37 1994
        _, month, day, clock, year = words
        if not (year.isdigit() and len(year) == 4):
            return None
        return _build(int(year), _MONTH_NUMBER.get(month.lower()), day, clock)
    return None


class DateHeader:
    """The ``Date: ...\\r\\n`` response header line as bytes, recomputed once per second.

    Safe to share between threads: a racing refresh writes the same value twice.
    """

    __slots__ = ("_line", "_second")

    def __init__(self) -> None:
        self._second = -1
        self._line = b""

    def line(self) -> bytes:
        """Return ``b"Date: <IMF-fixdate>\\r\\n"`` for the current second."""
        now = int(time.time())
        if now != self._second:
            self._line = f"Date: {format_http_date(now)}\r\n".encode("ascii")
            self._second = now
        return self._line
