"""Subject access for admins, from a command line on a machine with the database's address
(``DATABASE_URL``, as the bot reads it)::

    python -m domain.ops.sar export <object id> --by <admin object id> [--out FILE]
    python -m domain.ops.sar erase <object id> --by <admin object id> --yes
    python -m domain.ops.sar audit 2026-11-01 2026-11-30 --by <admin object id> [--out FILE]

``export`` writes everything held about one person as JSON; ``erase`` erases their personal
data (see :mod:`domain.ops.subject_access`), asking for the word ``erase`` to be typed unless
``--yes`` is given (and refusing without ``--yes`` when not run at a terminal); ``audit``
writes the audit log for those days (UTC, both included) as CSV. Output goes to standard
output unless ``--out`` names a file (created readable by its owner only).

``--by`` must be an admin in the database: each run is recorded in the audit log under that
id, once. Exit codes: 0 done, 1 refused (``--by`` is not an admin, the person is unknown,
the confirmation was not given), 2 usage or configuration error.

The chat's ``sar export``, ``erase`` and ``audit export`` commands use the same functions.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from datetime import date
from pathlib import Path
from typing import Sequence

from domain.audit import Audit
from domain.db import Database
from domain.models import Role
from domain.ops.subject_access import ErasureReport, erase_user, export_user
from domain.settings import settings_or_exit
from domain.users import UnknownUserError, Users

__all__ = ["main", "parse_days", "is_admin", "export_json", "audit_csv", "erasure_lines"]

_RANGE_WORDS = frozenset({"to", "until", "-", "–", "and"})
_OBJECT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def parse_days(text: str) -> tuple[date, date]:
    """The first and last day of ``text`` such as ``2026-11-01 2026-11-30`` (or ``... to ...``).

    Raises:
        ValueError: not two dates written as YYYY-MM-DD, or the last before the first; the
            message says which.
    """
    words = [word for word in text.replace(",", " ").split() if word.lower() not in _RANGE_WORDS]
    if len(words) != 2:
        raise ValueError("Give the first and the last day, each written as YYYY-MM-DD.")
    days = []
    for word in words:
        try:
            days.append(date.fromisoformat(word))
        except ValueError:
            shown = word if len(word) <= 40 else word[:39] + "…"
            raise ValueError(f"{shown} is not a date written as YYYY-MM-DD.") from None
    start, end = days
    if end < start:
        raise ValueError(f"The last day ({end.isoformat()}) is before the first ({start.isoformat()}).")
    return start, end


def is_admin(database: Database, aad: str) -> bool:
    """Whether the user with this Azure AD object id is an admin, as the database says now."""
    try:
        return Users(database).get(aad).role is Role.ADMIN
    except UnknownUserError:
        return False


def export_json(database: Database, person: str, *, by: str) -> bytes:
    """Everything held about ``person`` as JSON (UTF-8), the export audited under ``by``.

    Raises:
        UnknownUserError: no user has that id (nothing is audited).
    """
    data = export_user(database, person, by=by)
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def audit_csv(database: Database, start: date, end: date, *, by: str) -> bytes:
    """The audit log from ``start`` to ``end`` (UTC days, both included) as CSV, audited under ``by``."""
    return Audit(database).export_csv(start, end, by=by).encode("utf-8")


def erasure_lines(report: ErasureReport) -> list[str]:
    """What an erasure deleted or changed, one ``table: rows`` line each."""
    return [f"{table.replace('_', ' ')}: {count}" for table, count in report.counts.items()]


def _object_id(text: str) -> str:
    if not _OBJECT_ID.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r} is not an Azure AD object id (for example 0b6f1b3c-1111-4a4a-9b9b-000000000001)")
    return text.strip().lower()


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a date written as YYYY-MM-DD") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m domain.ops.sar",
        description="Subject access for admins: export or erase what is held about one person, or export the "
                    "audit log. Every run is recorded in the audit log under --by.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{export,erase,audit}")
    export = commands.add_parser("export", help="everything held about one person, as JSON")
    export.add_argument("person", type=_object_id, help="their Azure AD object id")
    erase = commands.add_parser("erase", help="erase one person's personal data (statistics are kept)")
    erase.add_argument("person", type=_object_id, help="their Azure AD object id")
    erase.add_argument("--yes", action="store_true", help="do not ask for the word erase to be typed")
    audit = commands.add_parser("audit", help="the audit log for a range of days, as CSV")
    audit.add_argument("first", type=_day, help="the first day, YYYY-MM-DD (UTC)")
    audit.add_argument("last", type=_day, help="the last day, YYYY-MM-DD (UTC), included")
    for each in (export, erase, audit):
        each.add_argument("--by", required=True, type=_object_id, help="your Azure AD object id: an admin's")
    for each in (export, audit):
        each.add_argument("--out", type=Path, help="write to this file (default: standard output)")
    return parser


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _write(data: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # personal data: owner only
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def _erase(database: Database, person: str, by: str, confirmed: bool) -> int:
    if person == by:
        _say("You cannot erase yourself: ask another admin. Nothing was erased.")
        return 1
    try:
        name = Users(database).get(person).name or "(no name)"
    except UnknownUserError:
        _say(f"No one with the object id {person} has used the assistant. Nothing was erased.")
        return 1
    if not confirmed:
        if not sys.stdin.isatty():
            _say("Erasing needs --yes when it is not run at a terminal. Nothing was erased.")
            return 2
        answer = input(f"This erases the personal data of {name} ({person}) and cannot be undone. "
                       "Type erase to go ahead: ")
        if answer.strip().lower() != "erase":
            _say("Nothing was erased.")
            return 1
    report = erase_user(database, person, by=by)
    _say("\n".join([f"Erased the personal data of {person}. Rows deleted or changed:", *erasure_lines(report),
                    "The erasure is recorded in the audit log."]))
    return 0


def _run(args: argparse.Namespace, database: Database) -> int:
    if not is_admin(database, args.by):
        _say(f"{args.by} is not an admin in this database, so nothing was done. Give the object id of an admin.")
        return 1
    if args.command == "erase":
        return _erase(database, args.person, args.by, args.yes)
    if args.command == "export":
        try:
            data = export_json(database, args.person, by=args.by)
        except UnknownUserError:
            _say(f"No one with the object id {args.person} has used the assistant. Nothing was exported.")
            return 1
    else:
        data = audit_csv(database, args.first, args.last, by=args.by)
    _write(data, args.out)
    _say(f"Exported {len(data)} bytes{f' to {args.out}' if args.out else ''}; the export is recorded in the audit log.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (0 done, 1 refused, 2 usage or configuration)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stopped:  # argparse has said what was wrong (or printed the help)
        return stopped.code if isinstance(stopped.code, int) else 2
    if args.command == "audit" and args.last < args.first:
        parser.print_usage(sys.stderr)
        _say(f"The last day ({args.last.isoformat()}) is before the first ({args.first.isoformat()}).")
        return 2
    out: Path | None = getattr(args, "out", None)
    if out is not None and not (out.parent.is_dir() and os.access(out.parent, os.W_OK)):
        _say(f"Cannot write {out}: its folder does not exist or is not writable. Nothing was done.")
        return 2
    try:
        settings = settings_or_exit()
    except SystemExit as stopped:
        return stopped.code if isinstance(stopped.code, int) else 2
    database = Database(settings.database_url)
    try:
        return _run(args, database)
    finally:
        database.dispose()


if __name__ == "__main__":
    sys.exit(main())
