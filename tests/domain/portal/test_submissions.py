"""Portal submissions: references numbered in order within the year even with two bot
processes saving at once, one submission per Teams activity, a status lifecycle with its
history, visibility limited to the submitter, supporters and the Hub, and similar
submissions found before an officer duplicates work."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import func, inspect, select

from domain.db import MIGRATIONS_DIR, Database
from domain.models import Submission, SubmissionHistory
from domain.portal import (
    SIMILAR_ABOVE,
    TRANSITIONS,
    CannotSupport,
    InvalidTransition,
    Kind,
    NewSubmission,
    Status,
    SubmissionNotFound,
    Submissions,
    embedding_text,
    normalise_reference,
)
from domain.users import Users
from tests.fakes import OFFICER_AAD

OTHER_AAD = "0b6f1b3c-2222-4a4a-9b9b-000000000002"
STRANGER_AAD = "0b6f1b3c-3333-4a4a-9b9b-000000000003"
HUB_AAD = "0b6f1b3c-4444-4a4a-9b9b-000000000004"
YEAR = datetime.now(timezone.utc).year


def _new(
    title: str = "Shed burglaries in the northern villages", description: str = "Tools taken overnight.", **kw
) -> NewSubmission:
    values = {
        "kind": Kind.PROBLEM,
        "title": title,
        "description": description,
        "crime_types": ["burglary-other"],
        "area": "North",
        "tried": None,
        "success": "Fewer sheds broken into by the spring",
        "partners": None,
        "personal_data": {},
    }
    values.update(kw)
    return NewSubmission(**values)


def _ref(number: int, year: int = YEAR) -> str:
    return f"PF-{year}-{number:04d}"


def _count(db: Database, model) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture
def subs(db: Database) -> Submissions:
    return Submissions(db)


# --- references and idempotency ------------------------------------------------------


def test_references_are_consecutive_within_a_year_and_start_again_the_next(db):
    now = [datetime(2026, 12, 31, 23, 59, tzinfo=timezone.utc)]
    subs = Submissions(db, clock=lambda: now[0])
    assert subs.create(OFFICER_AAD, _new()).reference == "PF-2026-0001"
    assert subs.create(OTHER_AAD, _new("Fly-tipping on farm tracks")).reference == "PF-2026-0002"
    now[0] += timedelta(minutes=2)
    assert subs.create(OFFICER_AAD, _new("Hare coursing on farmland")).reference == "PF-2027-0001"
    # A new officer is known from their first submission.
    assert Users(db).get(OTHER_AAD).name == ""


def test_the_same_teams_activity_delivered_twice_creates_one_submission(db, subs):
    first = subs.create(OFFICER_AAD, _new(), source_key="activity-1")
    again = subs.create(OFFICER_AAD, _new(), source_key="activity-1")
    assert (first.reference, first.created) == (_ref(1), True)
    assert (again.reference, again.created) == (_ref(1), False)
    assert _count(db, Submission) == 1
    assert subs.create(OFFICER_AAD, _new(), source_key="activity-2").reference == _ref(2)


def _create_at_once(instances: list[Database], per_instance: int) -> list[str]:
    """Submit from ``per_instance`` threads on each app instance at the same moment."""
    total = len(instances) * per_instance
    start = threading.Barrier(total)
    services = [Submissions(db) for db in instances]

    def submit(i: int) -> str:
        start.wait()
        owner = OFFICER_AAD if i % 3 else f"0b6f1b3c-9999-4a4a-9b9b-{i:012d}"
        service = services[i % len(services)]
        return service.create(owner, _new(f"Submission {i}"), source_key=f"activity-{i}").reference

    with ThreadPoolExecutor(total) as pool:
        return list(pool.map(submit, range(total)))


@pytest.mark.postgres
def test_twenty_submissions_at_once_from_two_app_instances_get_consecutive_references(postgres_db, postgres_url):
    second = Database(postgres_url)
    try:
        references = _create_at_once([postgres_db, second], per_instance=10)
    finally:
        second.dispose()
    assert sorted(references) == [_ref(n) for n in range(1, 21)]
    assert _count(postgres_db, Submission) == 20


def test_submissions_at_once_from_two_app_instances_on_sqlite_get_consecutive_references(sqlite_db):
    second = Database(sqlite_db.url)
    try:
        references = _create_at_once([sqlite_db, second], per_instance=5)
    finally:
        second.dispose()
    assert sorted(references) == [_ref(n) for n in range(1, 11)]


class _LateLooking(Submissions):
    """Both deliveries look for the activity before either has saved it: a true race."""

    def __init__(self, database: Database, barrier: threading.Barrier) -> None:
        super().__init__(database)
        self._barrier = barrier
        self._looked = threading.local()

    def _by_source(self, session, source_key):  # type: ignore[no-untyped-def, override]
        if not getattr(self._looked, "done", False):
            self._looked.done = True
            return None
        return super()._by_source(session, source_key)

    def create(self, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        self._barrier.wait()
        return super().create(*args, **kwargs)


def test_a_duplicate_delivery_racing_the_first_is_stored_once_without_a_gap(db):
    # The two deliveries arrive at two app instances.
    second = Database(db.url)
    barrier = threading.Barrier(2)
    try:
        services = [_LateLooking(db, barrier), _LateLooking(second, barrier)]
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda s: s.create(OFFICER_AAD, _new(), source_key="activity-7"), services))
    finally:
        second.dispose()
    assert [r.reference for r in results] == [_ref(1), _ref(1)]
    assert sorted(r.created for r in results) == [False, True]
    assert _count(db, Submission) == 1
    assert Submissions(db).create(OFFICER_AAD, _new(), source_key="activity-8").reference == _ref(2)


# --- status and history --------------------------------------------------------------


def test_status_changes_are_kept_with_who_when_from_to_and_note(db, subs):
    reference = subs.create(OFFICER_AAD, _new()).reference
    subs.add_support(reference, OTHER_AAD, "Same in the southern villages.")
    before = datetime.now(timezone.utc)

    change = subs.change_status(reference.lower(), Status.TRIAGED, HUB_AAD.upper(), "Looks like a series.")
    assert (change.reference, change.title) == (reference, "Shed burglaries in the northern villages")
    assert (change.from_status, change.to_status, change.by, change.note) == (
        Status.RECEIVED, Status.TRIAGED, HUB_AAD, "Looks like a series."
    )
    assert (change.submitter_aad, change.supporters) == (OFFICER_AAD, (OTHER_AAD,))
    assert change.at >= before
    subs.change_status(reference, "scanning", HUB_AAD)

    view = subs.get(reference, OFFICER_AAD, viewer_is_hub=False)
    assert view.status is Status.SCANNING
    assert [(h.by, h.from_status, h.to_status, h.note) for h in view.history] == [
        (OFFICER_AAD, None, Status.RECEIVED, None),
        (HUB_AAD, Status.RECEIVED, Status.TRIAGED, "Looks like a series."),
        (HUB_AAD, Status.TRIAGED, Status.SCANNING, None),
    ]
    assert all(h.at.tzinfo is not None for h in view.history)
    assert view.history[1].at == change.at
    assert subs.list_for(OFFICER_AAD)[0].last_update == view.history[-1].at


def test_invalid_status_changes_are_refused_with_a_reason_and_leave_no_trace(db, subs):
    reference = subs.create(OFFICER_AAD, _new()).reference

    def refused(status: Status, note: str | None = None, **kw) -> str:  # type: ignore[no-untyped-def]
        with pytest.raises(InvalidTransition) as caught:
            subs.change_status(reference, status, HUB_AAD, note, **kw)
        return str(caught.value)

    assert refused(Status.ANALYSIS) == (
        f"{reference} is received; from there it can go to triaged, more information needed, merged or declined, "
        "not analysis."
    )
    assert refused(Status.RECEIVED) == f"{reference} is already received."
    no_reason = f"Declining {reference} needs a reason for the officer who submitted it."
    assert refused(Status.DECLINED) == refused(Status.DECLINED, "   ") == no_reason
    assert refused(Status.TRIAGED, merged_into=_ref(1)) == "Only a merge names another submission."
    assert _count(db, SubmissionHistory) == 1

    for status in (Status.TRIAGED, Status.SCANNING, Status.CLOSED):
        subs.change_status(reference, status, HUB_AAD)
    assert refused(Status.TRIAGED) == f"{reference} is closed; it can only be reopened for scanning."
    subs.change_status(reference, Status.SCANNING, HUB_AAD, "Reopened: the burglaries started again.")
    subs.change_status(reference, Status.MORE_INFORMATION_NEEDED, HUB_AAD, "Which villages?")
    subs.change_status(reference, Status.DECLINED, HUB_AAD, "No crimes recorded since May.")
    assert refused(Status.RECEIVED).startswith(f"{reference} was declined; a declined submission cannot change.")
    with pytest.raises(SubmissionNotFound):
        subs.change_status(_ref(99), Status.TRIAGED, HUB_AAD)


def test_a_merge_needs_another_unmerged_submission_and_its_officers_follow_the_target(db, subs):
    original = subs.create(OTHER_AAD, _new("Shed burglaries across the north")).reference
    duplicate = subs.create(OFFICER_AAD, _new()).reference
    third = subs.create(STRANGER_AAD, _new("Garage break-ins")).reference
    subs.add_support(duplicate, STRANGER_AAD, "Mine too.")

    for target, reason in [
        (None, f"Merging {duplicate} needs the reference of the submission it joins."),
        (duplicate, f"{duplicate} cannot be merged into itself."),
        (_ref(99), f"There is no submission {_ref(99)} to merge {duplicate} into."),
    ]:
        with pytest.raises(InvalidTransition, match=reason):
            subs.change_status(duplicate, Status.MERGED, HUB_AAD, merged_into=target)

    change = subs.change_status(duplicate, Status.MERGED, HUB_AAD, "Same series.", merged_into=original.lower())
    assert change.merged_into == original
    assert change.supporters == (STRANGER_AAD,)
    view = subs.get(duplicate, OFFICER_AAD, viewer_is_hub=False)
    assert (view.status, view.merged_into) == (Status.MERGED, original)

    # The submitter and supporter of the duplicate now follow the original.
    target = subs.get(original, OTHER_AAD, viewer_is_hub=False)
    assert {s.aad_object_id: s.notes for s in target.supporters} == {
        OFFICER_AAD: f"Merged from {duplicate}: Shed burglaries in the northern villages",
        STRANGER_AAD: f"Merged from {duplicate}: Shed burglaries in the northern villages",
    }
    with pytest.raises(InvalidTransition, match=f"{duplicate} has itself been merged into {original}"):
        subs.change_status(third, Status.MERGED, HUB_AAD, merged_into=duplicate)
    with pytest.raises(InvalidTransition, match="a merged submission cannot change"):
        subs.change_status(duplicate, Status.TRIAGED, HUB_AAD)
    with pytest.raises(CannotSupport, match=f"merged into {original}; add your support there"):
        subs.add_support(duplicate, HUB_AAD, "")


def test_the_lifecycle_has_a_label_and_a_way_forward_for_every_status():
    assert set(TRANSITIONS) == set(Status)
    assert {s for s, nexts in TRANSITIONS.items() if not nexts} == {Status.MERGED, Status.DECLINED}
    assert TRANSITIONS[Status.CLOSED] == {Status.SCANNING}
    assert Status.MORE_INFORMATION_NEEDED.label == "More information needed"
    assert Status("received").label == "Received"
    assert [k.label for k in Kind] == [
        "Idea", "Initiative already running", "Operational problem", "Evidence request"
    ]


# --- who may see what ----------------------------------------------------------------


def test_only_the_submitter_supporters_and_the_hub_can_see_a_submission(db, subs):
    kept = {"description": {"found": ["phone"], "reason": "It is the Hub's own line"}}
    reference = subs.create(OFFICER_AAD, _new(personal_data=kept)).reference

    view = subs.get(f"  pf {YEAR} 1 ", OFFICER_AAD.upper(), viewer_is_hub=False)
    assert (view.reference, view.kind, view.title, view.area) == (reference, Kind.PROBLEM, _new().title, "North")
    assert (view.crime_types, view.tried) == (("burglary-other",), None)
    assert view.success == "Fewer sheds broken into by the spring"
    assert view.personal_data == kept

    with pytest.raises(SubmissionNotFound):
        subs.get(reference, STRANGER_AAD, viewer_is_hub=False)
    with pytest.raises(SubmissionNotFound):  # the same answer as for one that does not exist
        subs.get(_ref(2), STRANGER_AAD, viewer_is_hub=False)
    with pytest.raises(SubmissionNotFound):
        subs.get("not a reference", OFFICER_AAD, viewer_is_hub=True)

    assert subs.get(reference, HUB_AAD, viewer_is_hub=True).reference == reference
    subs.add_support(reference, OTHER_AAD, "")
    assert subs.get(reference, OTHER_AAD, viewer_is_hub=False).reference == reference


def test_my_submissions_lists_my_own_and_those_i_support_newest_first(db):
    now = [datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)]

    def later() -> datetime:
        now[0] += timedelta(hours=1)
        return now[0]

    subs = Submissions(db, clock=later)
    mine = subs.create(OFFICER_AAD, _new("Mine")).reference
    theirs = subs.create(OTHER_AAD, _new("Theirs", kind=Kind.IDEA)).reference
    subs.create(STRANGER_AAD, _new("Someone else's"))
    newest = subs.create(OFFICER_AAD, _new("Mine, later")).reference
    subs.add_support(theirs, OFFICER_AAD, "Seen this on my beat too.")
    subs.change_status(theirs, Status.TRIAGED, HUB_AAD)

    listed = subs.list_for(OFFICER_AAD.upper())
    assert [(s.reference, s.title, s.role) for s in listed] == [
        (newest, "Mine, later", "submitter"),
        (theirs, "Theirs", "supporter"),
        (mine, "Mine", "submitter"),
    ]
    assert (listed[1].kind, listed[1].status) == (Kind.IDEA, Status.TRIAGED)
    assert listed[1].last_update > listed[0].last_update  # the status change is the latest update
    assert subs.list_for(HUB_AAD) == []


def test_support_appends_notes_and_the_submitter_cannot_support_their_own(db, subs):
    reference = subs.create(OFFICER_AAD, _new()).reference

    first = subs.add_support(reference.lower(), OTHER_AAD, "  Two sheds hit in Ashby last week. ")
    assert (first.reference, first.title, first.owner_aad, first.supporter_aad, first.first_time) == (
        reference, _new().title, OFFICER_AAD, OTHER_AAD, True
    )
    assert subs.add_support(reference, OTHER_AAD.upper(), "").first_time is False
    assert subs.add_support(reference, OTHER_AAD, "And one more in Coleby.").first_time is False

    (supporter,) = subs.get(reference, OFFICER_AAD, viewer_is_hub=False).supporters
    assert supporter.aad_object_id == OTHER_AAD
    assert supporter.notes == "Two sheds hit in Ashby last week.\n\nAnd one more in Coleby."
    assert supporter.updated_at >= supporter.created_at

    with pytest.raises(CannotSupport, match=f"You submitted {reference}"):
        subs.add_support(reference, OFFICER_AAD.upper(), "Me too")
    with pytest.raises(SubmissionNotFound):
        subs.add_support(_ref(42), OTHER_AAD, "")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("PF-2026-0042", "PF-2026-0042"),
        ("pf-2026-0042", "PF-2026-0042"),
        (" PF 2026 42 ", "PF-2026-0042"),
        ("pf2026-0042", "PF-2026-0042"),
        ("PF–2026–0042", "PF-2026-0042"),
        ("PF-2026-12345", "PF-2026-12345"),
        ("PF-2026-0000", None),
        ("PF-26-0042", None),
        ("status PF-2026-0042", None),
        ("", None),
    ],
)
def test_references_are_read_the_way_officers_type_them(typed, expected):
    assert normalise_reference(typed) == expected


# --- similar submissions -------------------------------------------------------------


def test_similar_keeps_up_with_submissions_saved_elsewhere_and_their_status(db, request):
    other_process = Database(db.url)
    request.addfinalizer(other_process.dispose)
    bot, elsewhere = Submissions(db), Submissions(other_process)
    assert bot.similar(_unit(1, 0, 0, 0)) == []

    a = bot.create(OFFICER_AAD, _new("A"), vector=_unit(1, 0.1, 0, 0)).reference
    bot.create(OFFICER_AAD, _new("B"), vector=_unit(0, 0, 1, 0))
    assert [s.reference for s in bot.similar(_unit(1, 0, 0, 0))] == [a]

    c = elsewhere.create(OTHER_AAD, _new("C"), vector=_unit(1, 0, 0, 0)).reference
    d = elsewhere.create(OTHER_AAD, _new("D"), vector=_unit(1, 0.6, 0, 0)).reference
    elsewhere.create(OTHER_AAD, _new("E"), vector=None)
    found = bot.similar([1, 0, 0, 0])  # not normalised: the index takes care of it
    assert [(s.reference, s.title, s.status) for s in found] == [
        (c, "C", Status.RECEIVED), (a, "A", Status.RECEIVED), (d, "D", Status.RECEIVED)
    ]
    assert found[0].score == pytest.approx(1.0, abs=1e-6)
    assert all(s.score > SIMILAR_ABOVE for s in found)
    assert [s.reference for s in bot.similar(_unit(1, 0, 0, 0), k=1)] == [c]
    assert [s.reference for s in bot.similar(_unit(1, 0, 0, 0), exclude_reference=c.lower())] == [a, d]

    elsewhere.change_status(a, Status.TRIAGED, HUB_AAD)
    elsewhere.change_status(c, Status.MERGED, HUB_AAD, merged_into=d)
    found = bot.similar(_unit(1, 0, 0, 0))
    assert [(s.reference, s.status) for s in found] == [(a, Status.TRIAGED), (d, Status.RECEIVED)]


# Fifty submissions the Hub might have had in a year, all about different things.
BASE = [
    ('Knife crime around Central station after school',
     'Groups of teenagers carrying knives gather at the bus interchange outside Central station between '
     '3pm and 6pm. Two stabbings since September. British Transport Police and the schools want a joint '
     'approach.'),
    ('Antisocial behaviour on the Meadowbank estate',
     "Youths riding mopeds through the estate at night, fireworks thrown at residents' doors and damage to"
     ' the community centre. Residents are afraid to use the play area after dark.'),
    ('Shed and garage burglaries in rural villages',
     'Power tools and bikes stolen from sheds and garages across the northern villages, mostly overnight '
     'at weekends. Sheds are rarely alarmed and padlocks are cut.'),
    ('Cuckooing of vulnerable tenants by county lines gangs',
     'Dealers from outside the force are taking over the flats of vulnerable adults with learning '
     'difficulties to sell crack and heroin. Housing officers have reported several addresses.'),
    ("Women's safety in the night-time economy",
     'Reports of spiking and sexual harassment in bars along the high street on Friday and Saturday '
     'nights. Women say they feel unsafe walking to the taxi rank.'),
    ('Shoplifting at supermarkets on the retail park',
     'Repeat thefts of meat, alcohol and baby formula from three supermarkets. Staff are threatened when '
     'they intervene and the stores want a faster police response.'),
    ('E-scooter nuisance in the town centre',
     'Privately owned e-scooters ridden on pavements at speed through the pedestrianised area, with near '
     'misses involving elderly shoppers and pushchairs.'),
    ('Catalytic converter thefts from hybrid cars',
     'Catalytic converters cut off Toyota Prius and Honda Jazz cars parked on driveways and in hospital '
     'car parks, usually in under two minutes.'),
    ('Fly-tipping on farm tracks',
     "Builders' waste and household rubbish dumped on farm access lanes; farmers bear the clearance costs."
     ' We suspect unlicensed waste carriers advertising online.'),
    ('Repeat domestic abuse victims not supporting prosecutions',
     'High-risk domestic abuse victims repeatedly withdraw support for prosecutions. Idea: an independent '
     'domestic violence advisor attends with officers at the first call.'),
    ('Pedal cycle theft at the university',
     'Bikes stolen from racks outside the library and halls of residence, locks cut with angle grinders. '
     'Students rarely register frame numbers.'),
    ('Street drinking and begging by the cathedral',
     'Groups drinking and begging aggressively near the cathedral and the market square, intimidating '
     'tourists and traders during the day.'),
    ('Hate crime against taxi drivers',
     'Racially aggravated abuse and assaults on private hire drivers late at night, often by passengers '
     'refusing to pay their fares.'),
    ('Courier fraud targeting older people',
     'Elderly residents are phoned by fraudsters pretending to be bank staff or police officers and '
     'persuaded to hand cash and bank cards to couriers.'),
    ('Speeding on rural B roads',
     'Residents of small villages complain of cars and motorbikes racing along the B-road at weekends; '
     'community speed watch volunteers want support.'),
    ('Car key burglaries for high-value vehicles',
     'Offenders break into homes at night to steal the keys of Range Rovers and Audis parked outside, '
     'sometimes fishing keys through letterboxes.'),
    ('Children missing from residential care homes',
     "Teenagers repeatedly go missing from two private children's homes and are found with older men; "
     'there is a risk of child sexual exploitation.'),
    ('Abuse of staff in convenience stores',
     'Shop workers in corner shops suffer verbal abuse and threats when they refuse to sell alcohol to '
     'underage customers.'),
    ('Graffiti and tagging on the railway bridge',
     'Repeated tagging on the canal railway bridge and nearby walls, linked to a crew that films and posts'
     ' its work online.'),
    ('Youth violence at the summer fair',
     "Fights broke out between rival groups of young people at last year's summer fair in the park; the "
     'organisers ask for a prevention plan.'),
    ('Drug dealing from parked cars near the primary school',
     'Parents report cars parked near the school gates where deals take place during the school run; '
     'needles have been found in the bushes.'),
    ('Theft of tools from vans',
     "Tradespeople's vans broken into overnight by peeling the door locks; the tools are sold on online "
     'marketplaces within days.'),
    ('Off-road motorbikes on the moorland',
     'Scrambler bikes tearing up footpaths and moorland, frightening walkers and livestock; riders escape '
     'across fields when approached.'),
    ('Frequent callers who are lonely',
     'A small number of isolated people make hundreds of non-emergency calls each month; partners could '
     'offer support instead of police attendance.'),
    ('Mental health crisis calls taking officer hours',
     'Officers spend many hours waiting in A&E with people detained under section 136; a street triage '
     'nurse could help.'),
    ('Rough sleeping in the multi-storey car park',
     'People sleeping in the stairwells of the council car park, with drug litter and small fires; users '
     'of the car park feel unsafe.'),
    ('Dog theft from gardens',
     'Puppies and working dogs stolen from gardens and kennels; owners are worried that organised groups '
     'are scouting homes.'),
    ('Online sextortion of teenage boys',
     'Boys aged 14 to 17 contacted on social media, tricked into sending images and then blackmailed for '
     'money; some have self-harmed.'),
    ('Metal theft from churches',
     'Lead stripped from church roofs and copper cable stolen from substations; heritage sites lose '
     'irreplaceable material.'),
    ('Moped-enabled phone snatches',
     "Riders on mopeds snatching mobile phones from pedestrians' hands on the main shopping streets, "
     'mostly in the evening.'),
    ('Labour exploitation in houses in multiple occupation',
     'Houses crammed with workers from a hand car wash, with passports held by the employer; possible '
     'modern slavery.'),
    ('Parking disputes outside the mosque',
     'Double parking during Friday prayers blocks driveways and causes arguments with neighbours; the '
     'mosque committee wants to help.'),
    ('Hare coursing on farmland',
     'Hare coursing gangs with lurchers cross farmland in the autumn, damaging crops and intimidating '
     'farmers who challenge them.'),
    ('Knife arches in secondary schools',
     'Use portable knife detection arches at secondary school entrances alongside education sessions on '
     'the consequences of carrying a blade.'),
    ('Stalking recorded as harassment',
     'Call handlers sometimes record stalking as harassment; victims say patterns of fixation are missed '
     'until the behaviour escalates.'),
    ('Burglary of student houses at the start of term',
     'Shared student houses burgled in September when doors are left unlocked and laptops are visible from'
     ' the street.'),
    ('Alcohol-related disorder at the football ground',
     'Disorder between supporters in pubs near the stadium on derby days; licensees want earlier dispersal'
     ' orders.'),
    ('Peer education for young drivers',
     'Newly qualified drivers are involved in serious collisions on the bypass; idea for a peer education '
     'programme in sixth form colleges.'),
    ('Theft from charity clothing banks',
     'Clothing banks in supermarket car parks emptied at night by vans; charities lose income and the '
     'sites are left messy.'),
    ('Cannabis farms in rented houses',
     'Landlords are unaware their properties are used to grow cannabis; neighbours report the smell and '
     'blacked-out windows, and bypassed electricity is a fire risk.'),
    ('Vehicle crime in the hospital car park',
     'Staff cars broken into during night shifts at the general hospital; poor lighting and no CCTV on the'
     ' top level.'),
    ('Financial abuse of elderly people by paid carers',
     "Carers suspected of taking money from elderly clients' bank accounts; social services see the "
     'pattern but prosecutions are rare.'),
    ('Noise disputes between neighbours in flats',
     'Long-running noise disputes in blocks of flats generate repeat calls; a mediation service could '
     'resolve them earlier than enforcement.'),
    ('Wheelie bin fires in back alleys',
     'Wheelie bins set alight in back alleys on summer evenings, with fire spreading to fences and '
     'garages; the fire service wants joint patrols.'),
    ('Counterfeit goods at the Sunday market',
     'Stalls selling fake designer clothing and unsafe phone chargers; trading standards ask for support '
     'on enforcement days.'),
    ('Drink-driving in rural areas at Christmas',
     'A rise in drink and drug driving arrests in December in villages with no late bus; idea for a '
     'designated driver scheme with pubs.'),
    ('Robbery of food delivery riders',
     'Delivery riders robbed of their e-bikes at knifepoint after being lured to quiet streets by fake '
     'orders.'),
    ('Unsafe walking route through Victoria Park',
     'Poor lighting and overgrown paths on the route through Victoria Park; women avoid it after dark and '
     'there have been indecent exposure reports.'),
    ('Boxing club as youth diversion',
     'An initiative already running: a boxing club offers free evening sessions to young people referred '
     'by neighbourhood officers; we want it evaluated.'),
    ('Diesel theft from construction sites',
     'Fuel siphoned from plant machinery on building sites at weekends; site managers want better security'
     ' advice.'),
]
# Officers' rewordings of saved submissions (index into BASE), sharing few words with them.
PARAPHRASES = [
    (3, "Drug networks occupying the homes of at-risk residents",
     "Criminal groups from the cities move into the homes of people with disabilities or addictions and use them "
     "as a base to deal class A drugs. Council housing staff have flagged a number of properties."),
    (4, "Girls feel unsafe on nights out in town",
     "Drinks being spiked and lads groping and pestering female customers in pubs and clubs at the weekend. Many "
     "say they are scared on the walk home or waiting for a cab."),
    (7, "Exhaust parts cut from parked Priuses",
     "Thieves jack up hybrid vehicles on home drives and at the hospital and saw off the emissions part under the "
     "car in a couple of minutes."),
    (46, "Takeaway couriers held up for their bikes",
     "People delivering food are threatened with blades and have their electric bicycles taken after bogus orders "
     "send them to deserted roads."),
]

UNRELATED = [
    ("Replace the broken printers in the report-writing room",
     "Half the printers on the second floor jam every day and officers queue to print case files; a new contract "
     "would save time."),
    ("Ransomware attack on a local school",
     "A secondary school's computers were encrypted and a ransom demanded; schools want advice on backups and "
     "phishing training."),
]


@pytest.fixture(scope="module")
def base_vectors(embedder) -> np.ndarray:  # type: ignore[no-untyped-def]
    assert len(BASE) == 50 and len({title for title, _ in BASE}) == 50
    return embedder.embed([embedding_text(title, description) for title, description in BASE])


@pytest.mark.model
def test_a_reworded_submission_finds_its_duplicate_and_joins_it_with_notes(db, subs, embedder, base_vectors):
    references = [
        subs.create(OTHER_AAD if i % 2 else HUB_AAD, _new(title, description), vector=vector).reference
        for i, ((title, description), vector) in enumerate(zip(BASE, base_vectors))
    ]

    for index, title, description in PARAPHRASES:
        similar = subs.similar(embedder.embed([embedding_text(title, description)])[0])
        assert 1 <= len(similar) <= 3
        assert similar[0].reference == references[index], (title, similar)
        assert similar[0].title == BASE[index][0] and similar[0].status is Status.RECEIVED

    for title, description in UNRELATED:
        assert len(subs.similar(embedder.embed([embedding_text(title, description)])[0])) <= 1

    # The officer joins the original instead of making a duplicate.
    cuckooing = references[3]
    joined = subs.add_support(cuckooing, OFFICER_AAD, "Two more flats on Ash Grove taken over this month.")
    assert (joined.owner_aad, joined.first_time) == (OTHER_AAD, True)
    view = subs.get(cuckooing, OFFICER_AAD, viewer_is_hub=False)
    assert [(s.aad_object_id, s.notes) for s in view.supporters] == [
        (OFFICER_AAD, "Two more flats on Ash Grove taken over this month.")
    ]
    assert [s.reference for s in subs.list_for(OFFICER_AAD)] == [cuckooing]
    assert _count(db, Submission) == 50


# --- schema --------------------------------------------------------------------------

SUBMISSION_TABLES = {"submissions", "submission_history", "submission_supporters", "reference_counters"}


def test_the_submissions_migration_downgrades_and_upgrades_again(db, subs):
    subs.create(OFFICER_AAD, _new())

    def alembic(direction, revision: str) -> None:  # type: ignore[no-untyped-def]
        with db.engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS_DIR))
            config.attributes["connection"] = connection
            direction(config, revision)

    alembic(command.downgrade, "0002")
    assert not SUBMISSION_TABLES & set(inspect(db.engine).get_table_names())
    alembic(command.upgrade, "head")
    assert SUBMISSION_TABLES <= set(inspect(db.engine).get_table_names())
    assert Submissions(db).create(OFFICER_AAD, _new()).reference == _ref(1)
