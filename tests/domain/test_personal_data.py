"""Spotting likely personal data in free text, and the phrase that tells the officer about it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.personal_data import KINDS, Finding, describe, find_personal_data

TODAY = date.today()
OLD_YEAR = TODAY.year - 11  # a date in it is always at least ten years ago
RECENT = TODAY - timedelta(days=12)


def found(text: str) -> list[tuple[str, str]]:
    """(kind, text) of every finding, checking each one's position against the text."""
    findings = find_personal_data(text)
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text
    return [(f.kind, f.text) for f in findings]


def kinds(text: str) -> set[str]:
    return {kind for kind, _ in found(text)}


def test_the_public_api() -> None:
    assert KINDS == (
        "phone number",
        "e-mail address",
        "date of birth",
        "vehicle registration",
        "crime or custody reference",
        "name",
    )
    finding = find_personal_data("Ring 07700 900123 please")[0]
    assert finding == Finding("phone number", "07700 900123", 5, 17)
    with pytest.raises(AttributeError):
        finding.kind = "name"  # type: ignore[misc]
    assert find_personal_data("") == []
    assert describe([]) == ""


# --- Phone numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "07700 900123",
        "07700900123",
        "07700 900 123",
        "07700-900-123",
        "+44 7700 900123",
        "+447700900123",
        "+44 (0)7700 900123",
        "+44 (0) 7700 900 123",
        "0044 7700 900123",
        "01632 960123",
        "01632-960123",
        "(01632) 960123",
        "0161 496 0123",
        "020 7946 0123",
        "(020) 7946 0123",
        "+44 20 7946 0123",
        "016977 1234",
    ],
)
def test_uk_phone_numbers_are_found(number: str) -> None:
    assert found(f"Her mum said to call {number} after 6pm.") == [("phone number", number)]


@pytest.mark.parametrize(
    "text",
    [
        "Burglaries fell in 2019 and again in 2023.",
        "If in danger call 999, otherwise ring 101.",
        "The control room is staffed 24/7.",
        "Patrols between 22:30 and 02:00, then again at 07:30.",
        "We delivered 3,500 leaflets and 1,200 UV pens.",
        "See submission PF-2026-0042 for the first phase.",
        "Report anonymously to Crimestoppers on 0800 555 111.",
        "The council's line is 0300 123 4567.",
        "Serial 12345678901 on the bike frame.",
        "A 0.5% rise, 0-5 year olds, flat 0123.",
        "Footfall was 07700900123456 over the year.",
        "Crime number 0123456/2026 was closed.",
    ],
)
def test_things_that_are_not_phone_numbers(text: str) -> None:
    assert "phone number" not in kinds(text)


def test_trailing_digits_after_a_phone_number_are_left_out() -> None:
    assert found("call 07700 900123 24 hours a day") == [("phone number", "07700 900123")]


def test_a_bracket_opened_before_a_number_is_not_part_of_it() -> None:
    assert found("his mobile (07700 900123) was off") == [("phone number", "07700 900123")]


def test_numbers_written_one_after_another_are_all_found() -> None:
    text = "07700 900 123 07700 900 456 07700 900 789"
    assert [t for _, t in found(text)] == ["07700 900 123", "07700 900 456", "07700 900 789"]


# --- E-mail addresses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["j.smith@example.com", "sarah_jones+bikes@mail.example.co.uk", "J.Smith@Example.COM", "d-o@x.org"],
)
def test_email_addresses_are_found(address: str) -> None:
    assert found(f"Contact: {address}.") == [("e-mail address", address)]


@pytest.mark.parametrize(
    "text",
    [
        "Follow @PreventionHub for updates.",
        "Log in as admin@localhost on the test box.",
        "5 @ £3 each.",
        "Send it to the team mailbox.",
    ],
)
def test_things_that_are_not_email_addresses(text: str) -> None:
    assert "e-mail address" not in kinds(text)


# --- Dates of birth ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Victim DOB 12/03/1998, lives alone.", "12/03/1998"),
        ("D.O.B: 12/03/98", "12/03/98"),
        ("D.O.B. 12.03.1998", "12.03.1998"),
        ("date of birth: 1998-03-12", "1998-03-12"),
        ("Date of birth is 1 June 2005", "1 June 2005"),
        ("born 3rd March 2001 in Leeds", "3rd March 2001"),
        ("born on 3 Mar 2001", "3 Mar 2001"),
        ("Dean Smith (b.12/03/1998)", "12/03/1998"),
        ("Dean Smith b. 12-03-1998", "12-03-1998"),
        ("12/03/1998 (DOB)", "12/03/1998"),
        ("born March 3rd, 2001", "March 3rd, 2001"),
        (f"baby born {RECENT:%d/%m/%Y} at home", f"{RECENT:%d/%m/%Y}"),  # with the word, any date
    ],
)
def test_dates_next_to_a_date_of_birth_word_are_found(text: str, expected: str) -> None:
    assert found(text) == [("date of birth", expected)]


@pytest.mark.parametrize(
    "when",
    [
        f"12/03/{OLD_YEAR}",
        f"2.7.{OLD_YEAR}",
        f"12 March {OLD_YEAR}",
        f"12th of March {OLD_YEAR}",
        "30/09/1961",
    ],
)
def test_a_full_date_at_least_ten_years_old_is_found_without_a_word(when: str) -> None:
    assert found(f"Seen with a man, {when}, near the park.") == [("date of birth", when)]


@pytest.mark.parametrize(
    "text",
    [
        f"On {RECENT:%d/%m/%Y} there was a burglary on Elm Road.",
        f"Between {RECENT:%d.%m.%Y} and {TODAY:%d %B %Y} we ran patrols.",
        f"The scheme started on 15/06/{TODAY.year - 9}.",  # nine years ago: an incident date
        f"Planned for {TODAY.year + 1}-01-31.",
        "DOB 31/02/1998 cannot be a date.",
        "Born in Leeds, moved here in March 1998.",
        "Offences rose from 2010 to 2015.",
        "Open 24/7, 10pm curfew, 12/03 meeting.",
        f"Version 1.12.03.{OLD_YEAR} of the form.",
        f"Case 12/03/{str(OLD_YEAR)[2:]} without a date-of-birth word.",
    ],
)
def test_recent_partial_and_impossible_dates_are_not_dates_of_birth(text: str) -> None:
    assert "date of birth" not in kinds(text)


# --- Vehicle registrations -----------------------------------------------------------------


@pytest.mark.parametrize(
    "registration",
    ["AB12 CDE", "AB12CDE", "ab12cde", "ab12 cde", "A123 BCD", "A123BCD", "P7 XYZ", "ABC 123D", "JFK 47A"],
)
def test_vehicle_registrations_are_found(registration: str) -> None:
    text = f"A silver Golf, {registration}, was seen twice."
    assert found(text) == [("vehicle registration", registration)]


@pytest.mark.parametrize(
    "text",
    [
        "the 2 bikes were taken",
        "See PF-2026-0042.",
        "Heading for the M25 near junction 10",
        "Taken to A&E at 10pm",
        "Pupils in Year 9 and Year 10",
        "Tools stolen from B&Q",
        "the A38 ASB hotspot and an M5 RTC",
        "a123 bcd written in lower case",
        "Ab12 Cde in mixed case",
        "PC 1234 and PCSO 5678 attended",
        "ABC123 and 123ABC codes",
        "Covid19 restrictions, mp3 players",
    ],
)
def test_things_that_are_not_vehicle_registrations(text: str) -> None:
    assert "vehicle registration" not in kinds(text)


# --- Crime and custody references ----------------------------------------------------------


@pytest.mark.parametrize(
    "reference",
    [
        "CRN 41/12345/26",
        "crn: 41/12345/26",
        "crime ref 12345/26",
        "crime reference number 12345/26",
        "Crime No. 12345/26",
        "crime number 0123456/2026",
        "custody number 41CJ012345",
        "custody record 41CJ012345",
        "CAD 1234",
        "CAD 123 of 14/11/2026",
        "log 57 of 14/11",
        "occurrence 26000123456",
        "incident number 1234567",
        "URN 41AB1234526",
        "41/12345/26",
    ],
)
def test_crime_and_custody_references_are_found(reference: str) -> None:
    assert found(f"Linked to {reference}, now filed.") == [("crime or custody reference", reference)]


@pytest.mark.parametrize(
    "text",
    [
        "Our submission PF-2026-0042 covers it.",
        "The crime ref PF-2026-0042 on the form is ours.",
        "Support is available 24/7.",
        "We log 300 calls a month.",
        "He was in custody 2024-2025.",
        "The custody suite at Central.",
        "An incident 2 weeks ago.",
        "3 crimes in 2025 and CAD training.",
        "12/03/2025 and 1/2/26 are dates.",
        "log on 12/03/2024 to see it",
        "Figures for 2021/2022/2023 are attached.",
    ],
)
def test_things_that_are_not_crime_references(text: str) -> None:
    assert "crime or custody reference" not in kinds(text)


@pytest.mark.parametrize(
    "text, reference",
    [
        ("we log log 1234 daily", "log 1234"),  # the first "log" has no reference; the second has
        ("crime reference number is 41CJ012345", "crime reference number is 41CJ012345"),
        ("CRN #  41/12345/26.", "CRN #  41/12345/26"),
        ("custody ref 41-CJ-0123-45", "custody ref 41-CJ-0123-45"),
        ("crn AB/1234 then CAD 1234", "CAD 1234"),  # a reference's first part holds a digit
    ],
)
def test_references_are_read_from_the_word_before_them(text: str, reference: str) -> None:
    assert found(text) == [("crime or custody reference", reference)]


def test_a_reference_word_before_thousands_of_digits_is_no_reference() -> None:
    for run in ("crn " + "1" * 3995 + "/", "crn    " + "1" * 3992 + "_", "crn" + " " * 3996 + "_"):
        assert "crime or custody reference" not in kinds(run)


# --- Names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("the victim, Sarah Jones, said she felt unsafe", "Sarah Jones"),
        ("suspect called Dean", "Dean"),
        ("Victim: Sarah Jones", "Sarah Jones"),
        ("the offender is Dean Smith.", "Dean Smith"),
        ("the offender was called Dean", "Dean"),
        ("witness named Mary O'Brien saw it", "Mary O'Brien"),
        ("the IP, Mark McDonald-Smith, was hurt", "Mark McDonald-Smith"),
        ("complainant was Mrs Patel", "Mrs Patel"),
        ("informant the Reverend Green", "Reverend Green"),
        ("the suspect J. Smith ran", "J. Smith"),
        ("suspect known as Dino", "Dino"),
        ("the victims - Amy and Tom", "Amy"),
        ("suspect Dean Lee Smith Jones", "Dean Lee Smith"),  # at most three words
        ("The suspect, Dean, was arrested on Monday", "Dean"),
        ("offender Dean Smith Monday", "Dean Smith"),  # stops at a weekday
        ("Victim Sarah Jones reported it", "Sarah Jones"),
        ("IP Sarah was hurt", "Sarah"),
        ("the informant: Sam", "Sam"),
        ("victim Zoë Brontë said", "Zoë Brontë"),
    ],
)
def test_names_after_a_role_word_are_found(text: str, name: str) -> None:
    assert found(text) == [("name", name)]


@pytest.mark.parametrize(
    "text",
    [
        "We referred her to victim support.",
        "the victim was scared to go out",
        "Offender Management are involved.",
        "Two suspects Monday night.",
        "Victim Support visited.",
        "the victim's house was targeted",
        "Witness Care Unit and the Victim Code",
        "The suspect was White and the victim Asian.",
        "the suspect fled towards the park",
        "Check the ip address and IP Address logs.",
        "We spoke to the victim. Then we left.",
        "Victim: The door was forced.",
        "suspects in March",
        "the victim A lot of people",
        "Victim Satisfaction Survey results",
        "Witness Statement taken; Suspect Interview Room booked",
        "the Victim Right to Review scheme",
    ],
)
def test_things_that_are_not_names(text: str) -> None:
    assert "name" not in kinds(text)


# --- Several findings, overlaps ------------------------------------------------------------


def test_findings_come_in_order_of_position() -> None:
    text = (
        "The victim, Sarah Jones (DOB 12/03/1998), rang 07700 900123 from j.smith@example.com "
        "about AB12 CDE, CRN 41/12345/26."
    )
    assert found(text) == [
        ("name", "Sarah Jones"),
        ("date of birth", "12/03/1998"),
        ("phone number", "07700 900123"),
        ("e-mail address", "j.smith@example.com"),
        ("vehicle registration", "AB12 CDE"),
        ("crime or custody reference", "CRN 41/12345/26"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a reference word and the bare digits/digits/digits form: one finding, the longer
        ("see CRN 41/12345/26 today", ("crime or custody reference", "CRN 41/12345/26")),
        # a log number that ends in an old date: the reference, not a date of birth
        (f"log 123 of 12/03/{OLD_YEAR}", ("crime or custody reference", f"log 123 of 12/03/{OLD_YEAR}")),
        # a crime number that also reads as a landline
        ("crime number 0123456789", ("crime or custody reference", "crime number 0123456789")),
        # a date with both a date-of-birth word and an old year: found once
        (f"DOB 12/03/{OLD_YEAR}", ("date of birth", f"12/03/{OLD_YEAR}")),
    ],
)
def test_overlapping_matches_are_merged(text: str, expected: tuple[str, str]) -> None:
    assert found(text) == [expected]


def test_a_realistic_paragraph_without_personal_data_has_no_findings() -> None:
    text = (
        "Since April 2024 the Northfield team has run a 12-week pilot on the Elm Road estate, where "
        "burglary had risen by 38% between 2019 and 2023. Working with the council, B&Q and the "
        "housing association we fitted 240 door chains and 3,500 UV marking kits, and PCSOs held "
        "drop-in sessions every Tuesday from 18:30 to 20:00. Year 9 pupils designed the leaflets. "
        f"The first burglary after the launch was on {RECENT:%d/%m/%Y}; the victim was scared but "
        "was referred to Victim Support the same day, and Offender Management looked at the two "
        "prolific offenders in the area. Residents were reminded to call 999 in an emergency, 101 "
        "otherwise, or Crimestoppers on 0800 555 111. Patrols on the A38 and near the M5 junction "
        "cut ASB reports by a quarter; A&E saw fewer assault injuries at weekends. The control "
        "room is staffed 24/7. Full figures are in submission PF-2026-0042, and the suspects "
        "Monday briefing now includes the hotspot map at 10pm."
    )
    assert find_personal_data(text) == []


def test_a_4000_character_text_is_checked() -> None:
    sentence = (
        "On Elm Road the victim, Sarah Jones, DOB 12/03/1998, called 07700 900123 about AB12 CDE "
        "and CRN 41/12345/26, copying j.smith@example.com; 24/7 patrols, 3,500 leaflets, PF-2026-0042. "
    )
    text = (sentence * 40)[:4000]
    findings = find_personal_data(text)
    assert len(text) == 4000
    assert len(findings) >= 6 * 19
    for text_of_many in ("0 " * 2000, "0-" * 2000, "a" * 4000, "victim Sarah " * 300, "CAD " + "1A" * 1998):
        find_personal_data(text_of_many)


# --- What the officer is told --------------------------------------------------------------


def test_one_finding_is_described_with_an_article() -> None:
    assert describe(find_personal_data("ring 07700 900123")) == "a phone number (07700 900123)"
    assert describe(find_personal_data("j.smith@example.com")) == "an e-mail address (j.smith@example.com)"


def test_two_kinds_are_joined_with_and() -> None:
    text = "Call 07700 900123 or write to j.smith@example.com"
    assert describe(find_personal_data(text)) == (
        "a phone number (07700 900123) and an e-mail address (j.smith@example.com)"
    )


def test_several_of_one_kind_are_counted_in_words() -> None:
    text = "Ring 07700 900123 or 01632 960123"
    assert describe(find_personal_data(text)) == "two phone numbers (07700 900123, 01632 960123)"


def test_kinds_are_listed_in_order_of_first_appearance() -> None:
    text = "the suspect called Dean drives AB12 CDE; DOB 12/03/1998; victim Sarah Jones; CAD 1234"
    assert describe(find_personal_data(text)) == (
        "two names (Dean, Sarah Jones), a vehicle registration (AB12 CDE), "
        "a date of birth (12/03/1998) and a crime or custody reference (CAD 1234)"
    )


@pytest.mark.parametrize(
    ("kind", "one", "many"),
    [
        ("phone number", "a phone number", "phone numbers"),
        ("e-mail address", "an e-mail address", "e-mail addresses"),
        ("date of birth", "a date of birth", "dates of birth"),
        ("vehicle registration", "a vehicle registration", "vehicle registrations"),
        ("crime or custody reference", "a crime or custody reference", "crime or custody references"),
        ("name", "a name", "names"),
    ],
)
def test_every_kind_has_its_singular_and_plural(kind: str, one: str, many: str) -> None:
    assert describe([Finding(kind, "x", 0, 1)]) == f"{one} (x)"
    assert describe([Finding(kind, "x", 0, 1), Finding(kind, "y", 2, 3)]) == f"two {many} (x, y)"


def test_at_most_three_examples_are_quoted() -> None:
    names = "Amy Ben Cat Dan Eve".split()
    findings = [Finding("name", name, i * 10, i * 10 + 3) for i, name in enumerate(names)]
    assert describe(findings) == "five names (Amy, Ben, Cat and 2 more)"
    many = [Finding("name", f"N{i}", i * 10, i * 10 + 2) for i in range(14)]
    assert describe(many) == "14 names (N0, N1, N2 and 11 more)"


def test_long_examples_are_cut_to_forty_characters() -> None:
    address = "a.very.long.name.indeed@a-long-domain.example.co.uk"
    phrase = describe(find_personal_data(f"Write to {address}"))
    quoted = phrase[phrase.index("(") + 1 : -1]
    assert len(quoted) == 40
    assert quoted == address[:39] + "…"


def test_the_same_text_twice_is_one_example() -> None:
    text = "Ring 07700 900123, and if no answer ring 07700 900123 again"
    assert len(find_personal_data(text)) == 2
    assert describe(find_personal_data(text)) == "a phone number (07700 900123)"


def test_line_breaks_in_an_example_are_shown_as_spaces() -> None:
    assert describe([Finding("crime or custody reference", "crime ref\n12345/26", 0, 18)]) == (
        "a crime or custody reference (crime ref 12345/26)"
    )
