"""Spot likely personal data in an officer's free-text answer.

The Hub does not need personal data to help, so every free-text answer in a guided dialog is
checked before it is kept: the officer is told what was found (``describe``) and asked to
remove it or confirm it is needed. The checks are tuned for precision over recall - an officer
who is often warned about text that is not personal data learns to ignore the warning - and
cover what turns up in UK police writing: phone numbers, e-mail addresses, dates of birth,
vehicle registrations, crime or custody references and names after "victim", "suspect" and
similar words. Plain Python over ``re``; no Bot Framework.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = ["Finding", "KINDS", "find_personal_data", "describe", "describe_kinds"]

KINDS = (
    "phone number",
    "e-mail address",
    "date of birth",
    "vehicle registration",
    "crime or custody reference",
    "name",
)


@dataclass(frozen=True)
class Finding:
    """One piece of likely personal data: its kind, the text as typed and where it is."""

    kind: str
    text: str
    start: int
    end: int


# --- Phone numbers -------------------------------------------------------------------------

# A run of digits that starts like a UK number (+44, 0044, 0 or "(0"), with single spaces,
# dashes or brackets between the groups. Not glued to a word, a reference ("PF-2026-0042"),
# a decimal or a time ("07:30"), and not followed by a letter or "/" ("0123456/2026").
# Every repetition in these patterns is bounded, so a long run of digits, spaces or dots
# takes time in proportion to its length (no group of a phone number is over 12 digits).
_PHONE = re.compile(
    r"""
    (?<![\w+/.:-])
    (?: (?:\+|00)[ ]?44[ ]?(?:\(0\)[ ]?)?     # +44 / 0044, maybe with "(0)"
      | \(?(?=0) )                            # or a national number, maybe "(01632) ..."
    \d{1,12} (?: (?:[ ]?-[ ]?|[ ]|\)[ ]?) \d{1,12} ){0,4}   # up to five digit groups and separators
    (?![\w/])
    """,
    re.X,
)
# Personal numbers once in national form: landlines (01, 02) and mobiles (07), 10-11 digits.
# 03, 08 and 09 numbers belong to organisations (e.g. Crimestoppers' 0800 555 111).
_UK_PERSONAL_NUMBER = re.compile(r"0[127]\d{8,9}")


def _phones(text: str) -> list[Finding]:
    found = []
    match = _PHONE.search(text)
    while match:
        candidate = match.group()
        group_ends = [m.end() for m in re.finditer(r"\d+", candidate)]
        resume = match.start() + group_ends[0]  # if no number is here, look again after one group
        # The longest leading part that is a valid number: "07700 900123 24 hours" gives up " 24".
        for group_end in reversed(group_ends):
            piece = candidate[:group_end]
            digits = re.sub(r"\D", "", piece)
            if piece.startswith(("+", "00")):  # +44 7700 ..., 0044 7700 ..., +44 (0)7700 ...
                digits = digits[2:] if piece.startswith("+") else digits[4:]
                digits = digits if digits.startswith("0") else "0" + digits
            if _UK_PERSONAL_NUMBER.fullmatch(digits):
                skip = 1 if piece.startswith("(") and ")" not in piece else 0  # stray bracket
                resume = match.start() + group_end
                found.append(Finding("phone number", piece[skip:], match.start() + skip, resume))
                break
        match = _PHONE.search(text, resume)
    return found


# --- E-mail addresses ----------------------------------------------------------------------

# Local part (up to 64 characters, from the start of its run), "@", a domain with at least
# one dot (labels up to 63 characters) and a top-level domain of 2 to 24 letters.
_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b"
)


def _emails(text: str) -> list[Finding]:
    return [Finding("e-mail address", m.group(), m.start(), m.end()) for m in _EMAIL.finditer(text)]


# --- Dates of birth ------------------------------------------------------------------------

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
# A full date in the forms officers type; each form has its own named groups.
_DATE = re.compile(
    rf"""
    (?<![\w/-])(?<!\d\.)                    # not the end of a longer number or version "1.12.03.1998"
    (?: (?P<d1>\d{{1,2}})(?P<sep>[/.-])(?P<m1>\d{{1,2}})(?P=sep)(?P<y1>\d{{4}}|\d{{2}})  # 12/03/1998, 12.3.98
      | (?P<y2>\d{{4}})-(?P<m2>\d{{1,2}})-(?P<d2>\d{{1,2}})                              # 1998-03-12
      | (?P<d3>\d{{1,2}})(?:st|nd|rd|th)?(?:[ ]of)?[ -](?P<m3>{_MONTH}),?[ -](?P<y3>\d{{4}})  # 3rd March 2001
      | (?P<m4>{_MONTH})[ ](?P<d4>\d{{1,2}})(?:st|nd|rd|th)?,?[ ](?P<y4>\d{{4}})             # March 3rd, 2001
    )
    (?![\w/]|[.-]\d)
    """,
    re.X | re.I,
)
# A date-of-birth word just before the date ("DOB: ", "born on ", "b. ", "date of birth is ")
# or just after it ("12/03/1998 (DOB)").
_DOB_BEFORE = re.compile(
    r"\b(?:d\.?o\.?b\.?|date\s+of\s+birth|born|b\.)[\s:,()-]*(?:(?:on|is|was|of)\s+)?$", re.I
)
_DOB_AFTER = re.compile(r"^[\s,]*\(?(?:d\.?o\.?b\b|date\s+of\s+birth)", re.I)


def _parse_date(match: re.Match[str], today: date) -> tuple[date | None, bool]:
    """The date a ``_DATE`` match names (None if not a real date) and whether it had 4-digit year."""
    for n in "1234":
        if match.group(f"y{n}"):
            day, month, year = match.group(f"d{n}"), match.group(f"m{n}"), match.group(f"y{n}")
            break
    month_number = int(month) if month.isdigit() else _MONTHS.index(month[:3].lower()) + 1
    full_year = len(year) == 4
    year_number = int(year)
    if not full_year:  # "98" -> 1998, "05" -> 2005
        year_number += 2000 if 2000 + year_number <= today.year else 1900
    try:
        return date(year_number, month_number, int(day)), full_year
    except ValueError:
        return None, full_year


def _ten_years_before(today: date) -> date:
    try:
        return today.replace(year=today.year - 10)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 10, day=28)


def _dates_of_birth(text: str) -> list[Finding]:
    today = date.today()
    found = []
    for match in _DATE.finditer(text):
        when, full_year = _parse_date(match, today)
        if when is None:
            continue
        before, after = text[max(0, match.start() - 40) : match.start()], text[match.end() : match.end() + 20]
        near = _DOB_BEFORE.search(before) or _DOB_AFTER.search(after)
        # Without a date-of-birth word, only a full date at least ten years old: a birth date
        # is far more likely than an incident date that old.
        old = full_year and 1900 <= when.year and when <= _ten_years_before(today)
        if near or old:
            found.append(Finding("date of birth", match.group(), match.start(), match.end()))
    return found


# --- Vehicle registrations -----------------------------------------------------------------

# Letters the DVLA never issued in a position (I and Q; O, U and Z as a year letter) are left out.
_VEHICLE = re.compile(
    r"""
    \b(?: [A-Z]{2}\d{2}[ ]?[A-Z]{3}                # current, since 2001: AB12 CDE
        | [a-z]{2}\d{2}[ ]?[a-z]{3}                # the same typed in lower case: ab12cde
        | [A-HJ-NPR-TV-Y][1-9]\d{0,2}[ ]?[A-HJ-PR-Z]{3} # prefix, 1983-2001: A123 BCD (capitals only)
        | [A-HJ-PR-Z]{3}[ ]?[1-9]\d{0,2}[A-HJ-NPR-TV-Y] # suffix, 1963-1983: ABC 123D (capitals only)
    )\b
    """,
    re.X,
)
# Three-letter words and police acronyms that would make a registration out of a road number
# or a count ("the A38 ASB hotspot", "M5 RTC", "B4 YOU").
_NOT_REGISTRATION_LETTERS = frozenset(
    "AND THE FOR ARE WAS BUT NOT HAS HAD YOU ALL OUR OFF OUT ANY NEW PER HRS YRS MPH "
    "ASB RTC CPS PCC SNT NPT DVA CSE NHS CAD URN CRN LOG ATM".split()
)


def _vehicles(text: str) -> list[Finding]:
    found = []
    for match in _VEHICLE.finditer(text):
        letters = re.findall(r"[A-Za-z]{3}", match.group())[0].upper()
        if letters not in _NOT_REGISTRATION_LETTERS:
            found.append(Finding("vehicle registration", match.group(), match.start(), match.end()))
    return found


# --- Crime and custody references ----------------------------------------------------------

# A reference word, then the reference: letters and digits, maybe in "/" or "-" parts
# ("CRN 41/12345/26", "custody number 41CJ012345", "CAD 123 of 14/11/2026"). Spacing and
# parts are bounded (up to three spaces, six parts of 24): a run of thousands of digits
# after "crn" is not a reference, and is passed over in one look.
_REFERENCE = re.compile(
    r"""
    \b(?: crime\s{1,3}(?:ref(?:erence)?|number|no|num) | crn
        | custody(?:\s{1,3}(?:ref(?:erence)?|number|no|record))?
        | cad | occurrence | log | incident\s{1,3}(?:number|no|ref(?:erence)?) | urn
    )\b\.?
    (?:\s{1,3}(?:ref(?:erence)?|number|no|num)\b\.?)?     # "... number", "... no."
    \s{0,3}[:#]?\s{0,3}(?:(?:is|was)\s{1,3})?             # ": ", "#", "is"
    (?P<ref>(?=[A-Z0-9]{0,23}\d)[A-Z0-9]{1,24}(?:[/-][A-Z0-9]{1,24}){0,5})  # a digit in its first part
    (?P<of>[ ]of[ ]\d{1,2}/\d{1,2}(?:/\d{2,4})?)?     # "log 123 of 14/11/2026"
    (?![\w/])
    """,
    re.X | re.I,
)
# Force / serial / year with no reference word: "41/12345/26" (a date's middle part is shorter).
_BARE_REFERENCE = re.compile(r"(?<![\w/])\d{1,4}/\d{3,7}/\d{2,4}(?![\w/])")
# What follows a reference word but is not a reference: a year, a year range, a date, or the
# Hub's own submission reference ("PF-2026-0042").
_NOT_REFERENCE = re.compile(r"(?:19|20)\d\d(?:-(?:19|20)?\d\d)?|\d{1,2}/\d{1,2}/\d{2,4}|PF-[\w/-]*", re.I)


def _references(text: str) -> list[Finding]:
    found = []
    for match in _REFERENCE.finditer(text):
        ref = match.group("ref")
        if _NOT_REFERENCE.fullmatch(ref):
            continue
        if match.group("of") or sum(c.isdigit() for c in ref) >= 4:  # "we log 300 calls" is not one
            found.append(Finding("crime or custody reference", match.group(), match.start(), match.end()))
    for match in _BARE_REFERENCE.finditer(text):
        if all(re.fullmatch(r"(?:19|20)\d\d", part) for part in match.group().split("/")):
            continue  # "2021/2022/2023" is a list of years
        found.append(Finding("crime or custody reference", match.group(), match.start(), match.end()))
    return found


# --- Names ---------------------------------------------------------------------------------

# A capitalised name word: Jones, McDonald, O'Brien, Smith-Jones, Zoë.
_UPPER, _LOWER = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ"
_NAME_WORD = rf"(?:Mc|Mac|O['’])?[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"
# A role word ("IP" = injured party, capitals only), a comma, colon, dash or space, maybe
# "is", "was", "called", "named", "known as" or "the", then an optional initial and one to
# three name words.
_NAME = re.compile(
    rf"""
    (?: \b(?i:victim|suspect|offender|witness|complainant|informant)(?:s|es)? | \bIP )\b
    (?: [ ]?[,:–-][ ]? | [ ] )
    (?: (?:is|was|called|named|known|as|the)[ ] ){{0,4}}
    (?P<name> (?:[A-Z]\.?[ ])? {_NAME_WORD} (?:[ ]{_NAME_WORD}){{0,2}} )
    \b
    """,
    re.X,
)
# Capitalised words after a role word that are not names: services ("Victim Support",
# "Offender Management"), days and months ("suspects Monday"), descriptions, sentence starts.
_NOT_NAMES = frozenset(
    """
    Support Services Service Management Manager Managers Care Code Unit Team Hub Hubs Liaison
    Statement Statements Impact Personal Contact Centre Center Scheme Schemes Champion Champions
    Advocate Advocates Programme Pathway Referral Referrals Awareness Safeguarding Handler
    Interview Interviews Address Police Officer Officers Protection Account Details Information
    Profile Strategy Hate Crime Policy Plan Satisfaction Survey Right Rights Review Update
    Updates Needs Assessment Journey Experience Engagement Feedback Commissioner Fund Funding
    Group Groups Forum Panel Network Lead Coordinator Worker Workers Navigator Pack Letter Form
    Questionnaire Risk Intelligence Identification Description Behaviour Course Charter Portal
    Line Helpline Number Record Records Summons Testimony Location Vehicle Car
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
    June July August September October November December Today Yesterday Tomorrow
    Unknown Male Female White Black Asian Mixed British English Scottish Welsh Irish European
    Polish Romanian The This That These Those He She They It We You His Her Their Our When
    Then But And After Before On In At Not No None Yes
    """.split()
)


def _names(text: str) -> list[Finding]:
    found = []
    for match in _NAME.finditer(text):
        words = match.group("name").split(" ")
        kept = []
        for word in words:
            if word in _NOT_NAMES:
                break
            kept.append(word)
        if kept and not (len(kept) == 1 and len(kept[0].rstrip(".")) == 1):  # not a lone initial
            name = " ".join(kept)
            start = match.start("name")
            found.append(Finding("name", name, start, start + len(name)))
    return found


# --- Putting it together -------------------------------------------------------------------

# When two findings of the same length overlap, the kind earlier here is kept.
_SPECIFICITY = (
    "e-mail address",
    "crime or custody reference",
    "date of birth",
    "phone number",
    "vehicle registration",
    "name",
)


def find_personal_data(text: str) -> list[Finding]:
    """Likely personal data in text, in order of position, overlapping matches merged (keep the longer / more specific)."""
    candidates = [
        *_emails(text),
        *_references(text),
        *_dates_of_birth(text),
        *_phones(text),
        *_vehicles(text),
        *_names(text),
    ]
    candidates.sort(key=lambda f: (f.start, f.start - f.end, _SPECIFICITY.index(f.kind)))
    kept: list[Finding] = []
    for finding in candidates:
        if kept and finding.start < kept[-1].end:
            last = kept[-1]
            if (finding.end - finding.start, -_SPECIFICITY.index(finding.kind)) > (
                last.end - last.start,
                -_SPECIFICITY.index(last.kind),
            ):
                kept[-1] = finding
            continue
        kept.append(finding)
    return kept


# --- Telling the officer -------------------------------------------------------------------

_ONE = {
    "phone number": "a phone number",
    "e-mail address": "an e-mail address",
    "date of birth": "a date of birth",
    "vehicle registration": "a vehicle registration",
    "crime or custody reference": "a crime or custody reference",
    "name": "a name",
}
_MANY = {
    "phone number": "phone numbers",
    "e-mail address": "e-mail addresses",
    "date of birth": "dates of birth",
    "vehicle registration": "vehicle registrations",
    "crime or custody reference": "crime or custody references",
    "name": "names",
}
_NUMBER_WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split()
_MAX_EXAMPLES = 3
_MAX_EXAMPLE_LENGTH = 40


def _example(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_EXAMPLE_LENGTH else text[: _MAX_EXAMPLE_LENGTH - 1].rstrip() + "…"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def describe(findings: list[Finding]) -> str:
    """One plain-English phrase for the officer, e.g. 'a phone number (07700 900123) and an
    e-mail address (j.smith@example.com)'; several of one kind: 'two phone numbers (…, …)'.
    Quote at most 3 examples per kind, each cut to 40 characters.

    Kinds come in order of first appearance; the same text found twice counts once; more than
    three of a kind end "... and 2 more"; no findings give "".
    """
    by_kind: dict[str, list[str]] = {}  # kinds in order of first appearance
    for finding in sorted(findings, key=lambda f: f.start):
        examples = by_kind.setdefault(finding.kind, [])
        example = _example(finding.text)
        if example not in examples:  # the same number typed twice is one number
            examples.append(example)
    phrases = []
    for kind, examples in by_kind.items():
        count = len(examples)
        quoted = ", ".join(examples[:_MAX_EXAMPLES])
        if count > _MAX_EXAMPLES:
            quoted += f" and {count - _MAX_EXAMPLES} more"
        if count == 1:
            phrases.append(f"{_ONE[kind]} ({quoted})")
        else:
            number = _NUMBER_WORDS[count] if count < len(_NUMBER_WORDS) else str(count)
            phrases.append(f"{number} {_MANY[kind]} ({quoted})")
    return _join(phrases) if phrases else ""


def describe_kinds(findings: list[Finding]) -> str:
    """The kinds found, without quoting them: 'a phone number and a name'; '' for none."""
    kinds = list(dict.fromkeys(finding.kind for finding in sorted(findings, key=lambda f: f.start)))
    return _join([_ONE[kind] for kind in kinds]) if kinds else ""

