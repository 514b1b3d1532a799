"""``python -m domain.ops.sar``: export, erase and the audit log from a command line, run by
an admin of the database named by ``DATABASE_URL``; exit 0 when done, 1 when refused, 2 for
a usage error; one audit row per run and none for a refused one."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from domain.audit import Audit
from domain.db import Database
from domain.ops.sar import main
from domain.portal import Kind, NewSubmission, Submissions
from domain.users import Users

ROOT = Path(__file__).resolve().parents[3]
ADMIN = "2b000000-0000-4000-8000-0000000000ad"
OFFICER = "2b000000-0000-4000-8000-000000000001"
PERSON = "2b000000-0000-4000-8000-000000000002"
UNKNOWN = "2b000000-0000-4000-8000-000000000099"


def _people(database: Database) -> None:
    users = Users(database, [ADMIN])
    users.seen(ADMIN, "Chris Wood")
    users.seen(OFFICER, "Alex Morgan")
    users.seen(PERSON, "Robin Shaw", teams_user_id=f"29:{PERSON}")
    Submissions(database).create(PERSON, NewSubmission(Kind.IDEA, "Knife bins", "Bins at the station.", [], "Watford"))


@pytest.fixture
def database(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("DATABASE_URL", sqlite_db.url)
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    _people(sqlite_db)
    return sqlite_db


def audit(database: Database) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.record_id) for e in Audit(database).entries(None, None)]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_export_writes_the_persons_data_to_a_private_file_and_audits_it_once(database, tmp_path, capsys):
    out = tmp_path / "robin.json"
    assert main(["export", PERSON, "--by", ADMIN, "--out", str(out)]) == 0
    exported = json.loads(out.read_text())
    assert exported["user"]["name"] == "Robin Shaw" and [s["title"] for s in exported["submissions"]] == ["Knife bins"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "recorded in the audit log" in capsys.readouterr().err
    assert audit(database) == [(ADMIN, "user.export", PERSON)]

    assert main(["export", PERSON.upper(), "--by", ADMIN]) == 0  # to standard output
    assert json.loads(capsys.readouterr().out)["aad_object_id"] == PERSON
    assert len(audit(database)) == 2


@pytest.mark.parametrize("argv", [
    ["export", PERSON, "--by", OFFICER],
    ["export", PERSON, "--by", UNKNOWN],
    ["erase", PERSON, "--by", OFFICER, "--yes"],
    ["audit", "2026-11-01", "2026-11-30", "--by", OFFICER],
])
def test_only_an_admin_of_the_database_may_run_them(database, capsys, argv):
    assert main(argv) == 1
    assert "is not an admin in this database, so nothing was done" in capsys.readouterr().err
    assert audit(database) == []
    assert Users(database).get(PERSON).name == "Robin Shaw"


def test_an_unknown_person_is_refused(database, capsys):
    assert main(["export", UNKNOWN, "--by", ADMIN]) == 1
    assert main(["erase", UNKNOWN, "--by", ADMIN, "--yes"]) == 1
    assert main(["erase", ADMIN, "--by", ADMIN, "--yes"]) == 1
    err = capsys.readouterr().err
    assert f"No one with the object id {UNKNOWN} has used the assistant. Nothing was exported." in err
    assert "You cannot erase yourself" in err
    assert audit(database) == []


@pytest.mark.parametrize("argv", [
    [],
    ["export", "Robin Shaw", "--by", ADMIN],
    ["export", PERSON],
    ["audit", "2026-11-30", "2026-11-01", "--by", ADMIN],
    ["audit", "last", "month", "--by", ADMIN],
    ["export", PERSON, "--by", ADMIN, "--out", "/no/such/folder/robin.json"],
])
def test_usage_errors_exit_2_and_do_nothing(database, capsys, argv):
    assert main(argv) == 2
    assert capsys.readouterr().err
    assert audit(database) == []


def test_erase_asks_for_the_word_at_a_terminal_and_needs_yes_elsewhere(database, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["erase", PERSON, "--by", ADMIN]) == 2
    assert "Erasing needs --yes" in capsys.readouterr().err

    monkeypatch.setattr(sys, "stdin", _Terminal("no\n"))
    assert main(["erase", PERSON, "--by", ADMIN]) == 1
    assert "Type erase to go ahead" in capsys.readouterr().out
    assert Users(database).get(PERSON).name == "Robin Shaw" and audit(database) == []

    monkeypatch.setattr(sys, "stdin", _Terminal("erase\n"))
    assert main(["erase", PERSON, "--by", ADMIN]) == 0
    err = capsys.readouterr().err
    assert "Rows deleted or changed:" in err and "submissions: 1" in err
    assert Users(database).get(PERSON).name == "(erased)"
    assert audit(database) == [(ADMIN, "user.erase", PERSON)]


def test_audit_writes_the_days_asked_for_as_csv(database, tmp_path):
    Audit(database).record(ADMIN, "submission.read", "submission", "PF-2026-0001")
    today = datetime.now(timezone.utc).date()
    out = tmp_path / "audit.csv"
    assert main(["audit", today.isoformat(), (today + timedelta(days=1)).isoformat(), "--by", ADMIN,
                 "--out", str(out)]) == 0
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert [row[2:] for row in rows[1:]] == [[ADMIN, "submission.read", "submission", "PF-2026-0001"]]
    assert [action for _, action, _ in audit(database)] == ["submission.read", "audit.export"]


@pytest.mark.postgres
def test_it_runs_as_a_module_against_postgresql(postgres_url, tmp_path):
    database = Database(postgres_url)
    database.migrate()
    _people(database)
    env = {**os.environ, "DATABASE_URL": postgres_url}
    env.pop("MicrosoftAppId", None)
    done = subprocess.run([sys.executable, "-m", "domain.ops.sar", "erase", PERSON, "--by", ADMIN, "--yes"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    refused = subprocess.run([sys.executable, "-m", "domain.ops.sar", "export", PERSON, "--by", OFFICER],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and refused.stdout == ""
    assert audit(database) == [(ADMIN, "user.erase", PERSON)]
    database.dispose()
