"""Reading and validating the Hub's knowledge files.

One entry is one Markdown file with YAML front matter (``knowledge-format.md``). Every
problem is reported with the file's path, the field and the reason; a bad file is left out
of the index but never stops the other files from being read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, TypeGuard

import jsonschema
import yaml
from frontmatter.default_handlers import YAMLHandler

from indexer.taxonomy import TERM_ID, Taxonomy

KINDS = ("research", "practice")
EFFECTS = ("reduced", "mixed", "no-effect", "increased", "unknown")
QUALITIES = ("strong", "moderate", "limited", "very-limited")
MAX_FILE_BYTES = 200_000

_text = {"type": "string", "minLength": 1, "pattern": r"\S"}
_list_of_text = {"type": "array", "items": _text}
_date = {"type": "string", "format": "iso-date"}
# Free keywords: a bare number such as 999 is read by YAML as a number and kept as text.
_keywords = {"type": "array", "items": {"type": ["string", "number"]}}

SCHEMA = {
    "type": "object",
    "required": ["id", "title", "kind", "summary", "crime_types", "source", "published"],
    "properties": {
        "id": {"type": "string", "pattern": TERM_ID.pattern, "maxLength": 120},
        "title": {**_text, "maxLength": 200},
        "kind": {"enum": list(KINDS)},
        "summary": {**_text, "maxLength": 1200},
        "crime_types": {**_list_of_text, "minItems": 1},
        "settings": _keywords,
        "evidence": {
            "type": "object",
            "properties": {"effect": {"enum": list(EFFECTS)}, "quality": {"enum": list(QUALITIES)}},
            "additionalProperties": False,
        },
        "source": {**_text, "maxLength": 500},
        "link": {"type": "string", "pattern": r"^https?://\S+$"},
        "force": {**_text, "maxLength": 200},
        "contact": {**_text, "maxLength": 300},
        "published": _date,
        "review_by": _date,
        "tags": _keywords,
        # How officers ask for what the entry answers, in their own words: each is matched by meaning.
        "asked": {"type": "array", "items": {**_text, "maxLength": 300}, "maxItems": 40},
    },
    "allOf": [
        {
            "if": {"properties": {"kind": {"const": "research"}}, "required": ["kind"]},
            "then": {"required": ["evidence"], "properties": {"evidence": {"required": ["effect", "quality"]}}},
        },
        {
            "if": {"properties": {"kind": {"const": "practice"}}, "required": ["kind"]},
            "then": {"required": ["force"]},
        },
    ],
}
KNOWN_FIELDS = frozenset(SCHEMA["properties"])


def _iso_date(value: object) -> TypeGuard[str]:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


_checker = jsonschema.FormatChecker()
_checker.checks("iso-date")(_iso_date)
_validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=_checker)


if TYPE_CHECKING:
    _FastSafeLoader = yaml.SafeLoader
else:
    _FastSafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


class _TextLoader(_FastSafeLoader):
    """SafeLoader that keeps dates as the text written, so a bad date is reported, not thrown."""


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one knowledge file."""

    path: str
    field: str
    reason: str
    severity: str = "error"  # "error" leaves the file out of the index; "warning" does not

    def __str__(self) -> str:
        where = f"{self.path}: {self.field}" if self.field else self.path
        return f"{where}: {self.reason}" + (" (warning)" if self.severity == "warning" else "")


@dataclass(frozen=True)
class Section:
    heading: str
    text: str


@dataclass(frozen=True)
class Entry:
    """A validated knowledge entry."""

    id: str
    title: str
    kind: str
    summary: str
    crime_types: tuple[str, ...]
    source: str
    published: str
    path: str
    body: str
    sections: tuple[Section, ...]
    settings: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    asked: tuple[str, ...] = ()
    effect: str | None = None
    quality: str | None = None
    link: str | None = None
    force: str | None = None
    contact: str | None = None
    review_by: str | None = None
    content_hash: str = field(default="", compare=False)

    def card_fields(self) -> dict[str, Any]:
        """What the answer card and the index metadata need about the entry."""
        return {
            "id": self.id, "title": self.title, "kind": self.kind, "summary": self.summary,
            "crime_types": list(self.crime_types), "effect": self.effect, "quality": self.quality,
            "source": self.source, "link": self.link, "force": self.force, "contact": self.contact,
            "published": self.published, "review_by": self.review_by, "path": self.path,
        }


@dataclass
class LoadResult:
    entries: list[Entry]
    problems: list[Problem]
    files: int

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def split_sections(body: str) -> tuple[Section, ...]:
    """The body's sections by Markdown heading; text before the first heading has none."""
    sections: list[Section] = []
    heading = ""
    lines: list[str] = []
    for line in body.splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            if "\n".join(lines).strip():
                sections.append(Section(heading, "\n".join(lines).strip()))
            heading, lines = match.group(1).strip(), []
        else:
            lines.append(line)
    if "\n".join(lines).strip():
        sections.append(Section(heading, "\n".join(lines).strip()))
    return tuple(sections)


def _field_of(error: jsonschema.ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        missing = re.search(r"'([^']+)' is a required property", error.message)
        if missing:
            return f"{path}.{missing.group(1)}" if path else missing.group(1)
    return path


def _reason_of(error: jsonschema.ValidationError) -> str:
    value = error.instance
    if error.validator == "required":
        return "is required" + (
            " for research entries" if "evidence" in error.message or error.absolute_path else ""
        ) if "force" not in error.message else "is required for practice entries"
    if error.validator == "enum":
        return f"{value!r} is not one of: {', '.join(map(str, error.validator_value))}"
    if error.validator == "format":
        return f"{value!r} is not a date written as YYYY-MM-DD"
    if error.validator == "pattern" and error.absolute_path and error.absolute_path[-1] == "id":
        return f"{value!r} must be lowercase letters, digits and '-'"
    if error.validator == "pattern" and error.absolute_path and error.absolute_path[-1] == "link":
        return f"{value!r} is not a web address starting http:// or https://"
    if error.validator in ("minLength", "pattern"):
        return "must not be empty"
    if error.validator == "minItems":
        return "needs at least one term"
    if error.validator == "maxLength":
        return f"is longer than {error.validator_value} characters"
    if error.validator == "type":
        expected = {"string": "text", "array": "a list", "object": "a mapping"}.get(
            str(error.validator_value), str(error.validator_value)
        )
        return f"must be {expected}, not {type(value).__name__}"
    if error.validator == "additionalProperties":
        return str(error.message)
    return str(error.message)


def entry_to_dict(entry: Entry) -> dict[str, Any]:
    """The entry as plain data, as the parse cache keeps it."""
    return asdict(entry)


def entry_from_dict(data: dict[str, Any], path: str) -> Entry:
    """An entry back from the parse cache, at ``path``."""
    fields = {**data, "path": path, "sections": tuple(Section(**s) for s in data["sections"])}
    for name in ("crime_types", "settings", "tags", "asked"):
        fields[name] = tuple(fields.get(name) or ())
    return Entry(**fields)


# Parsed files by content and taxonomy: {key: {"entry": dict | None, "problems": [...]}}.
ParseCache = dict[str, dict[str, Any]]


def parse_file(
    path: Path, relative: str, taxonomy: Taxonomy, cache: ParseCache | None = None
) -> tuple[Entry | None, list[Problem]]:
    """Read and validate one file: the entry (None if it has errors) and its problems.

    With ``cache``, a file whose bytes were parsed before under the same taxonomy is not
    parsed again, and a newly parsed one is added.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(relative, "", f"cannot be read: {exc.strerror}")]
    if cache is None:
        return _parse(raw, relative, taxonomy)
    key = f"{hashlib.sha256(raw).hexdigest()}:{taxonomy.fingerprint}"
    known = cache.get(key)
    if known is not None:
        entry = entry_from_dict(known["entry"], relative) if known["entry"] else None
        return entry, [Problem(relative, **p) for p in known["problems"]]
    entry, problems = _parse(raw, relative, taxonomy)
    cache[key] = {
        "entry": entry_to_dict(entry) if entry else None,
        "problems": [{"field": p.field, "reason": p.reason, "severity": p.severity} for p in problems],
    }
    return entry, problems


def _parse(raw: bytes, relative: str, taxonomy: Taxonomy) -> tuple[Entry | None, list[Problem]]:
    if len(raw) > MAX_FILE_BYTES:
        return None, [Problem(relative, "", f"is {len(raw):,} bytes; the limit is {MAX_FILE_BYTES:,}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [Problem(relative, "", "is not UTF-8 text")]
    handler = YAMLHandler()
    if not handler.detect(text):
        return None, [Problem(relative, "front matter", "missing: the file must start with a '---' YAML block")]
    try:
        front, body = handler.split(text)
        meta = yaml.load(front, Loader=_TextLoader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(relative, "front matter", f"bad YAML{where}: {problem}")]
    if not isinstance(meta, dict):
        return None, [Problem(relative, "front matter", "must be a mapping of field: value")]

    problems = [
        Problem(relative, _field_of(error) or "front matter", _reason_of(error))
        for error in sorted(_validator.iter_errors(meta), key=lambda e: list(map(str, e.absolute_path)))
    ]
    for unknown in sorted(set(meta) - KNOWN_FIELDS, key=str):
        problems.append(Problem(relative, str(unknown), "is not a field of the knowledge format", "warning"))
    crime_types = meta.get("crime_types")
    if isinstance(crime_types, list):
        for term in crime_types:
            if isinstance(term, str) and term not in taxonomy:
                problems.append(Problem(relative, "crime_types", f"{term!r} is not a term in the taxonomy"))
    published, review_by = meta.get("published"), meta.get("review_by")
    if _iso_date(published) and _iso_date(review_by) and review_by < published:
        problems.append(Problem(relative, "review_by", f"{review_by} is before published ({published})"))
    sections = split_sections(body)
    if not sections:
        problems.append(Problem(relative, "body", "is empty: write the entry under its headings"))
    if any(p.severity == "error" for p in problems):
        return None, problems

    evidence = meta.get("evidence") or {}
    entry = Entry(
        id=meta["id"], title=meta["title"].strip(), kind=meta["kind"], summary=" ".join(meta["summary"].split()),
        crime_types=tuple(dict.fromkeys(meta["crime_types"])), source=meta["source"].strip(),
        published=meta["published"], path=relative, body=body.strip(), sections=sections,
        settings=tuple(str(s) for s in meta.get("settings") or ()),
        tags=tuple(str(t) for t in meta.get("tags") or ()),
        asked=tuple(" ".join(q.split()) for q in meta.get("asked") or ()),
        effect=evidence.get("effect"), quality=evidence.get("quality"), link=meta.get("link"),
        force=meta.get("force"), contact=meta.get("contact"), review_by=meta.get("review_by"),
        content_hash=hashlib.sha256(raw).hexdigest(),
    )
    return entry, problems


def knowledge_files(source: Path) -> list[Path]:
    """Every Markdown file under ``source``, in a stable order."""
    return sorted(p for p in Path(source).rglob("*.md") if p.is_file() and not p.name.startswith("."))


def load_entries(
    source: Path, taxonomy: Taxonomy, files: Iterable[Path] | None = None, *, cache: ParseCache | None = None
) -> LoadResult:
    """Read every knowledge file under ``source``; the valid entries and every problem."""
    source = Path(source)
    paths = list(files) if files is not None else knowledge_files(source)
    entries: list[Entry] = []
    problems: list[Problem] = []
    first_path: dict[str, str] = {}
    for path in paths:
        try:
            relative = path.relative_to(source).as_posix()
        except ValueError:
            relative = path.as_posix()
        entry, found = parse_file(path, relative, taxonomy, cache)
        problems.extend(found)
        if entry is None:
            continue
        if entry.id in first_path:
            problems.append(Problem(relative, "id", f"{entry.id!r} is already used by {first_path[entry.id]}"))
            continue
        first_path[entry.id] = relative
        entries.append(entry)
    return LoadResult(entries, problems, len(paths))
