"""Log set-up: one line per event, with the extra fields a call passes as ``key=value``.

Nothing officers type is logged: callers pass ids, counts and reasons only. An exception is
written as its type and where it was raised (the file, line and function of each frame), never
its message, and the same for every exception it was raised from or while handling: a database
error's message quotes the statement and its values, and other errors can quote an answer. An
exception passed as a message argument or an extra field is written as its type alone.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Mapping
from typing import Any

__all__ = ["configure_logging", "log_formatter", "scrubbed_exception"]

_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}
_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Libraries whose records below WARNING can carry SQL statements or request bodies (the
# aiohttp access log, off in ``python -m bot``, writes request lines, never bodies).
_KEPT_AT_WARNING = ("sqlalchemy", "msrest")
_CODE = re.compile(r"[A-Za-z0-9_]{1,40}")
_MOST_EXCEPTIONS = 50  # linked exceptions written for one record at most


def _type_name(error: BaseException) -> str:
    kind = type(error)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _codes(error: BaseException) -> str:
    """The database's own error code, which names the kind of failure and holds no values."""
    found = []
    for name in ("sqlstate", "sqlite_errorname"):  # psycopg; sqlite3
        value = getattr(error, name, None)
        if isinstance(value, str) and _CODE.fullmatch(value):
            found.append(f"{name}={value}")
    return f" ({', '.join(found)})" if found else ""


def _withheld(value: object) -> object:
    return f"<{_type_name(value)}>" if isinstance(value, BaseException) else value


def _chain(error: BaseException, seen: set[int]) -> list[str]:
    seen.add(id(error))
    lines: list[str] = []
    cause, context = error.__cause__, error.__context__
    if len(seen) >= _MOST_EXCEPTIONS:
        lines.append("(earlier exceptions not written)")
    elif cause is not None and id(cause) not in seen:
        lines += [*_chain(cause, seen), "", "The above exception was the direct cause of the following exception:", ""]
    elif context is not None and not error.__suppress_context__ and id(context) not in seen:
        lines += [*_chain(context, seen), "", "During handling of the above exception, another exception occurred:",
                  ""]
    if error.__traceback__ is not None:
        lines.append("Traceback (most recent call last):")
        lines += [f'  File "{frame.f_code.co_filename}", line {line}, in {frame.f_code.co_name}'
                  for frame, line in traceback.walk_tb(error.__traceback__)]
    lines.append(f"{_type_name(error)}: (message not logged){_codes(error)}")
    if isinstance(error, BaseExceptionGroup):
        inner = [each for each in error.exceptions if id(each) not in seen]
        for number, each in enumerate(inner, 1):
            if len(seen) >= _MOST_EXCEPTIONS:
                lines.append("  (further exceptions of the group not written)")
                break
            lines.append(f"  +-- exception {number} of {len(inner)} in the group:")
            lines += [f"  | {line}" for line in _chain(each, seen)]
    return lines


def scrubbed_exception(error: BaseException) -> str:
    """``error`` as its type and traceback frames, after those of the exceptions it was raised
    from or while handling, as Python prints them but without any message text."""
    return "\n".join(_chain(error, set()))


class _KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # A copy: the record itself stays as it was for any other handler.
        safe = logging.makeLogRecord(vars(record))
        safe.msg = _withheld(record.msg)
        if isinstance(record.args, Mapping):
            safe.args = {key: _withheld(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            safe.args = tuple(_withheld(value) for value in record.args)
        safe.exc_text = None  # never a traceback text another formatter wrote, messages and all
        line = super().format(safe)
        extras = {k: _withheld(v) for k, v in vars(record).items() if k not in _STANDARD}
        if extras:
            line += " " + " ".join(f"{k}={v}" for k, v in sorted(extras.items()))
        return line

    def formatException(self, ei: Any) -> str:
        error = ei[1]
        return scrubbed_exception(error) if isinstance(error, BaseException) else ""


def log_formatter() -> logging.Formatter:
    """The formatter of the service's log lines: time, level, logger, message and ``key=value``
    extras on one line, then an exception's type and frames with no message text."""
    return _KeyValueFormatter(_FORMAT)


def configure_logging(level: str = "INFO") -> None:
    """Send log lines to standard error at ``level``.

    The database library and the Bot Connector client's HTTP logger stay at warnings or
    above whatever ``level`` is: below that they write SQL statements and request bodies.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(log_formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _KEPT_AT_WARNING:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
