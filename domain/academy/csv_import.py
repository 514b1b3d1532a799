"""Enrolment from a CSV file: one line a person, each line reported with what became of it.

A line may create its cohort; each line's enrolment is written with its audit row in one
transaction, as an enrolment by command is.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from domain.academy.answers import listed
from domain.academy.cohorts import MODULES, Cohorts, cohort_by_name, cohort_view, resolve_user
from domain.academy.dates import parse_date
from domain.academy.records import CohortExists, CsvError, CsvLine, CsvReport, InvalidAnswer, Module

__all__ = ["CSV_COLUMNS", "CsvEnrolment"]

CSV_COLUMNS = ("user", "cohort", "module", "starts_on", "ends_on")


class CsvEnrolment(Cohorts):
    """Cohorts, with enrolment from a CSV file; for Hub staff."""

    def import_csv(self, text: str, *, by: str) -> CsvReport:
        """Enrol the people in a CSV file with the columns ``user,cohort,module,starts_on,ends_on``.

        ``user`` is an Azure AD object id or a display name; dates are YYYY-MM-DD or
        DD/MM/YYYY. A row creates its cohort when there is none by that name, or must
        agree with the one there is (blank module or dates are not checked). Each row
        stands alone: good rows are enrolled whatever the others hold.

        Raises:
            CsvError: the file has no header, or the header lacks a column.
        """
        reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
        records: list[tuple[int, list[str]]] = []  # (the line a record starts on, its fields)
        try:
            while True:
                start = reader.line_num + 1
                fields = next(reader, None)
                if fields is None:
                    break
                if any(f.strip() for f in fields):
                    records.append((start, fields))
        except csv.Error as error:
            raise CsvError(f"The file can't be read as CSV at line {reader.line_num}: {error}.") from None
        if not records:
            raise CsvError(f"The file is empty: it needs a header line '{','.join(CSV_COLUMNS)}'.")
        columns = [name.strip().lstrip("\ufeff").lower() for name in records[0][1]]
        missing = [name for name in CSV_COLUMNS if name not in columns]
        if missing:
            names = listed([f"'{name}'" for name in missing])
            raise CsvError(
                f"missing column{'s' if len(missing) > 1 else ''} {names}: "
                f"the header line must name {', '.join(CSV_COLUMNS)}."
            )
        where = {name: columns.index(name) for name in CSV_COLUMNS}
        lines: list[CsvLine] = []
        created: list[str] = []
        for line, fields in records[1:]:
            row = {name: fields[i].strip() if i < len(fields) else "" for name, i in where.items()}
            lines.append(self._import_row(line, row, by, created))
        return CsvReport(tuple(lines), tuple(created))

    def _import_row(self, line: int, row: dict[str, str], by: str, created: list[str]) -> CsvLine:
        user, name = row["user"], " ".join(row["cohort"].split())

        def error(reason: str) -> CsvLine:
            return CsvLine(line, user, "error", reason, name)

        if not user:
            return error("no user given")
        if not name:
            return error("no cohort given")
        module: Module | None = None
        if row["module"]:
            try:
                module = Module(row["module"].lower())
            except ValueError:
                return error(f"unknown module '{row['module']}' ({MODULES})")
        dates: dict[str, date | None] = {}
        for column in ("starts_on", "ends_on"):
            dates[column] = parse_date(row[column]) if row[column] else None
            if row[column] and dates[column] is None:
                return error(f"bad date '{row[column]}' in {column} (use YYYY-MM-DD)")
        starts, ends = dates["starts_on"], dates["ends_on"]
        with self._db.session() as session:
            aad, matches = resolve_user(session, user)
            found = cohort_by_name(session, name)
            cohort = cohort_view(session, found) if found is not None else None
        if aad is None:
            if matches > 1:
                return error(f"more than one user is called '{user}': use their Azure AD object id")
            return error(f"unknown user '{user}': they need to message the assistant once first")
        if cohort is None:
            if module is None or starts is None or ends is None:
                return error(f"cohort '{name}' does not exist yet: give its module, starts_on and ends_on")
            try:
                cohort = self.create_cohort(name, module, starts, ends, created_by=by)
                created.append(cohort.name)
            except CohortExists:  # made by another import a moment ago
                cohort = self.cohort(name)
                if cohort is None:
                    return error(f"cohort '{name}' could not be created; try the line again")
            except InvalidAnswer as problem:
                return error(str(problem)[0].lower() + str(problem)[1:].rstrip("."))
        if module is not None and module is not cohort.module:
            return error(f"cohort '{cohort.name}' exists with a different module ({cohort.module.value})")
        if (starts is not None and starts != cohort.starts_on) or (ends is not None and ends != cohort.ends_on):
            return error(
                f"cohort '{cohort.name}' exists with different dates "
                f"({cohort.starts_on.isoformat()} to {cohort.ends_on.isoformat()})"
            )
        added = self.enrol(cohort.id, aad, by=by)
        return CsvLine(line, user, "enrolled" if added else "already enrolled", "", cohort.name)
