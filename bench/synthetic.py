"""Synthetic "what works" knowledge bases for the search benchmark.

The benchmark times building, updating and querying the search index over bases of 1,000,
10,000 and 100,000 entries, far more than the Hub writes by hand. This module writes bases
of that size in the knowledge entry format (one Markdown file with YAML front matter per
entry), deterministically from a seed, so every run measures the same corpus.

Embedding is the dominant cost of a build, and the index embeds each distinct chunk text
once. The entries are shaped with that in mind:

* every entry's title and summary are unique, combined from word lists (tactic, crime type,
  setting and town, with the study design for research or the force and partner for
  practice);
* every body section is drawn from a fixed pool of paragraphs for its heading (at most 600
  per heading, and per evidence effect for Effect), so a base holds at most ``n`` + 8,400
  distinct texts, however large ``n`` is.

Research entries use the EMMIE headings (Effect, Mechanism, Moderators, Implementation,
Economic cost); practice entries use Problem, Response, Outcomes, Contact and Lessons. Every
entry links to ``https://example.org/synthetic/<id>`` so it can never be mistaken for a
real one.

Command line::

    python -m bench.synthetic /tmp/syn10k 10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import yaml

__all__ = ["DEFAULT_TAXONOMY", "generate", "edit_one", "queries", "main"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TAXONOMY = ROOT / "knowledge" / "taxonomy.yaml"

RESEARCH_SHARE = 0.6
MAX_PARAGRAPHS_PER_HEADING = 600
MIN_PARAGRAPHS_PER_HEADING = 20
PARAGRAPH_WORDS = (60, 90)
SUMMARY_WORDS = (30, 45)
WRAP = 92
FIRST_PUBLISHED = dt.date(2018, 1, 1)
LAST_PUBLISHED = dt.date(2026, 6, 30)
HUB_EMAIL = "prevention.first@example.police.uk"

RESEARCH_HEADINGS = ("Effect", "Mechanism", "Moderators", "Implementation", "Economic cost")
PRACTICE_HEADINGS = ("Problem", "Response", "Outcomes", "Contact", "Lessons")
# The section edit_one rewrites, per kind.
EDITED_HEADING = {"research": "Implementation", "practice": "Outcomes"}

EFFECTS = ("reduced", "mixed", "no-effect", "increased", "unknown")
EFFECT_WEIGHTS = (40, 20, 15, 5, 20)
QUALITIES = ("strong", "moderate", "limited", "very-limited")
QUALITY_WEIGHTS = (15, 35, 30, 20)


@dataclass(frozen=True)
class Tactic:
    """A prevention tactic and the crime types, settings and partners it plausibly fits."""

    name: str
    short: str  # how an officer would type it in a question
    desc: str  # a gerund phrase: what the tactic does
    tags: tuple[str, ...]
    crimes: tuple[str, ...]
    settings: tuple[str, ...]
    partners: tuple[str, ...]

    @property
    def slug(self) -> str:
        return _slug(self.name)


def _t(name: str, short: str, desc: str, tags: str, crimes: str, settings: str, partners: str) -> Tactic:
    """A Tactic from comma-separated lists (keeps the table below readable)."""

    def split(text: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in text.split(",") if part.strip())

    return Tactic(name, short, desc, split(tags), split(crimes), split(settings), split(partners))


# Partners, as they read after "working with".
LA = "the local authority"
HOUSING = "housing providers"
NHS = "the NHS trust"
SCHOOLS = "local schools"
YOUTH = "youth services"
PROBATION = "the Probation Service"
BID = "the business improvement district"
LICENSING = "licensing officers"
TS = "Trading Standards"
FIRE = "the fire and rescue service"
COMMUNITY = "community groups"
VRU = "the violence reduction unit"
VICTIMS = "victim services"
TRANSPORT = "transport operators"
UNIS = "the universities"
RETAIL = "local retailers"
BANKS = "bank branches"

TACTICS: tuple[Tactic, ...] = (
    _t("Hot spot patrols", "hot spot patrols",
       "putting short, visible patrols on the few streets where offences cluster",
       "patrol, place-based, deterrence, hot spots",
       "robbery, serious-violence, anti-social-behaviour, drugs, knife-crime, theft, night-time-economy, vehicle-crime",
       "town-centre, estates, transport, parks, retail, nte", f"{LA}, {BID}, {TRANSPORT}, {COMMUNITY}"),
    _t("Improved street lighting", "street lighting",
       "upgrading street lighting along footpaths, alleys and public spaces",
       "lighting, situational crime prevention, designing out crime",
       "burglary, robbery, vehicle-crime, violence-against-women-and-girls, anti-social-behaviour, criminal-damage",
       "residential, estates, parks, car-parks, campus, rural", f"{LA}, {HOUSING}, {UNIS}"),
    _t("Alley gating", "alley gates",
       "fitting lockable gates to the back alleys behind terraced housing",
       "gating, target hardening, PSPO, situational crime prevention",
       "burglary, anti-social-behaviour, criminal-damage, drugs",
       "terraces, residential, students", f"{LA}, {HOUSING}, {FIRE}"),
    _t("CCTV surveillance", "CCTV",
       "installing monitored CCTV cameras linked to the council control room",
       "CCTV, surveillance, situational crime prevention",
       "robbery, vehicle-crime, theft, night-time-economy, criminal-damage, anti-social-behaviour",
       "town-centre, car-parks, transport, nte, retail", f"{LA}, {BID}, {TRANSPORT}, {RETAIL}"),
    _t("Focused deterrence", "focused deterrence",
       "telling the most active group members face to face that violence brings swift enforcement, alongside offers of help",
       "group violence intervention, call-ins, deterrence, support offer",
       "gangs, serious-violence, knife-crime, drugs, homicide, county-lines",
       "estates, town-centre, community, probation", f"{PROBATION}, {YOUTH}, {VRU}, {COMMUNITY}"),
    _t("Mentoring", "mentoring",
       "matching young people at risk with trained adult mentors for a year or more",
       "mentoring, early intervention, young people",
       "youth-offending, knife-crime, gangs, exploitation, serious-violence",
       "schools, community, estates", f"{YOUTH}, {SCHOOLS}, {VRU}, {COMMUNITY}"),
    _t("Problem-oriented policing", "POP",
       "working through a scanning, analysis, response and assessment cycle with partners",
       "problem solving, SARA, partnership",
       "anti-social-behaviour, burglary, night-time-economy, drugs, criminal-damage, theft, robbery, vehicle-crime",
       "estates, town-centre, residential, parks, retail, rural", f"{LA}, {HOUSING}, {BID}, {COMMUNITY}"),
    _t("Target hardening for repeat victims", "target hardening",
       "fitting better locks, door chains, window restrictors and alarms for repeat victims",
       "target hardening, repeat victimisation, home security",
       "burglary, domestic-abuse, stalking-harassment, hate-crime, fraud",
       "home, residential, estates, rural", f"{LA}, {HOUSING}, {VICTIMS}, {FIRE}"),
    _t("Cocoon watch", "cocooning",
       "visiting the neighbours of recently burgled homes with advice and free security checks",
       "cocooning, near repeats, crime prevention advice",
       "burglary, vehicle-crime",
       "residential, estates, terraces, students, rural", f"{COMMUNITY}, {HOUSING}, {UNIS}"),
    _t("Forensic property marking", "property marking",
       "marking valuables with traceable forensic liquid and putting up warning signs",
       "property marking, forensic marking, deterrence",
       "burglary, theft, vehicle-crime",
       "residential, rural, students, businesses", f"{COMMUNITY}, {LA}, {UNIS}"),
    _t("Knife test purchasing", "test purchasing",
       "sending supervised young volunteers to check whether shops sell knives to under-18s",
       "test purchase, underage sales, Trading Standards",
       "knife-crime, youth-offending",
       "retail, town-centre, online", f"{TS}, {RETAIL}"),
    _t("Weapon sweeps", "weapon sweeps",
       "searching parks, verges and stairwells for hidden weapons with volunteers",
       "weapon sweeps, knife crime, community volunteers",
       "knife-crime, serious-violence, gangs",
       "parks, estates, flats", f"{LA}, {HOUSING}, {COMMUNITY}"),
    _t("Closure orders for cuckooed homes", "closure orders",
       "using closure orders and safeguarding visits to take back homes taken over by dealers",
       "closure orders, cuckooing, safeguarding, housing",
       "county-lines, drugs, exploitation, anti-social-behaviour",
       "flats, estates, residential", f"{HOUSING}, {LA}, {VICTIMS}"),
    _t("Deal line disruption", "line closures",
       "identifying deal-line phones, closing the lines and arresting the people running them",
       "line closure, disruption, phone numbers, county lines",
       "county-lines, drugs, exploitation, organised-crime",
       "transport, estates, flats, rural", f"{TRANSPORT}, {HOUSING}, {YOUTH}"),
    _t("Rescue and return", "rescue and return",
       "bringing exploited children found far from home back safely and offering specialist support",
       "missing children, safeguarding, return interviews",
       "county-lines, exploitation",
       "transport, community, home", f"{YOUTH}, {VICTIMS}, {LA}"),
    _t("Hospital-based violence intervention", "hospital youth workers",
       "placing youth workers in emergency departments to reach injured young people",
       "teachable moment, youth work, health partnership",
       "serious-violence, knife-crime, gangs",
       "hospital", f"{NHS}, {YOUTH}, {VRU}"),
    _t("Emergency department data sharing", "ED data sharing",
       "sharing anonymised emergency department data on where assaults happen",
       "Cardiff model, data sharing, health partnership",
       "serious-violence, night-time-economy, knife-crime",
       "hospital, town-centre, nte", f"{NHS}, {LA}, {VRU}"),
    _t("Taxi marshals", "taxi marshals",
       "staffing late-night taxi ranks with marshals to keep queues calm and moving",
       "taxi marshals, night-time economy, guardianship",
       "night-time-economy, serious-violence, violence-against-women-and-girls, sexual-offences",
       "nte, town-centre, transport", f"{LA}, {BID}, {LICENSING}"),
    _t("Night-time welfare hubs", "welfare hubs",
       "running a safe space and volunteer patrols for people who are vulnerable late at night",
       "welfare, safe space, street pastors, vulnerability",
       "night-time-economy, violence-against-women-and-girls, sexual-offences",
       "nte, town-centre, campus", f"{LA}, {BID}, {NHS}, {COMMUNITY}"),
    _t("Licensing enforcement", "licensing visits",
       "joint licensing visits and premises reviews targeting problem venues",
       "licensing, problem premises, partnership",
       "night-time-economy, serious-violence, drugs, sexual-offences",
       "licensed, nte, town-centre", f"{LICENSING}, {LA}, {FIRE}"),
    _t("Bystander training", "bystander training",
       "training people to recognise and safely challenge harmful behaviour",
       "bystander intervention, active bystander, training",
       "violence-against-women-and-girls, sexual-offences, hate-crime, domestic-abuse",
       "campus, schools, nte, licensed", f"{UNIS}, {SCHOOLS}, {LICENSING}"),
    _t("Domestic violence protection orders", "DVPOs",
       "issuing short protection orders that remove a suspect from the home",
       "protection orders, breathing space, civil orders",
       "domestic-abuse, stalking-harassment",
       "home, residential", f"{VICTIMS}, {LA}, {HOUSING}"),
    _t("Domestic abuse disclosure scheme", "Clare's Law",
       "telling people at risk about a partner's recorded history of abuse",
       "disclosure, right to know, right to ask",
       "domestic-abuse, stalking-harassment",
       "home, community, online", f"{VICTIMS}, {LA}"),
    _t("Independent advocacy for high-risk victims", "IDVAs",
       "giving high-risk victims an independent adviser from first police contact",
       "IDVA, advocacy, victim support, safeguarding",
       "domestic-abuse, stalking-harassment, sexual-offences",
       "home, hospital, community", f"{VICTIMS}, {NHS}, {LA}"),
    _t("Perpetrator programmes", "perpetrator programmes",
       "group work with abusers to change controlling and violent behaviour",
       "perpetrator programme, behaviour change",
       "domestic-abuse, stalking-harassment",
       "probation, community", f"{PROBATION}, {VICTIMS}"),
    _t("Multi-agency stalking intervention", "stalking clinics",
       "joint police and mental health assessment and treatment of stalking perpetrators",
       "stalking, mental health, SPO, risk assessment",
       "stalking-harassment, domestic-abuse",
       "community, online, probation", f"{NHS}, {PROBATION}, {VICTIMS}"),
    _t("Multi-agency risk assessment conferences", "MARAC",
       "bringing agencies together monthly to plan safety for the highest-risk victims",
       "MARAC, risk assessment, safeguarding",
       "domestic-abuse, homicide, stalking-harassment",
       "home, community", f"{VICTIMS}, {HOUSING}, {NHS}, {LA}"),
    _t("Integrated offender management", "IOM",
       "joint police and probation case management of the most prolific offenders",
       "IOM, offender management, partnership",
       "reoffending, burglary, robbery, theft, vehicle-crime, drugs",
       "probation, community", f"{PROBATION}, {HOUSING}, {NHS}"),
    _t("Drug testing on arrest", "drug testing on arrest",
       "testing arrested people for class A drugs and requiring a treatment assessment",
       "drug testing, treatment, custody",
       "drugs, reoffending, theft, burglary",
       "custody", f"{NHS}, {PROBATION}"),
    _t("Cognitive behavioural programmes", "CBT programmes",
       "structured group sessions on thinking skills, problem solving and self-control",
       "CBT, thinking skills, rehabilitation",
       "reoffending, youth-offending, serious-violence, domestic-abuse",
       "probation, custody, community", f"{PROBATION}, {YOUTH}"),
    _t("Restorative justice conferencing", "restorative justice",
       "bringing victims and offenders together with a trained facilitator",
       "restorative justice, victims, conferencing",
       "reoffending, youth-offending, criminal-damage, hate-crime, anti-social-behaviour, theft",
       "community, schools, custody", f"{YOUTH}, {VICTIMS}, {PROBATION}"),
    _t("Police-led youth diversion", "youth diversion",
       "offering young people a supported programme instead of prosecution for a first offence",
       "diversion, out of court, early intervention",
       "youth-offending, drugs, anti-social-behaviour, theft, criminal-damage",
       "custody, community, schools", f"{YOUTH}, {SCHOOLS}, {VRU}"),
    _t("Deferred prosecution", "deferred prosecution",
       "deferring charges while adults complete conditions tailored to their needs",
       "deferred prosecution, out of court disposal, conditional caution",
       "reoffending, drugs, theft",
       "custody, community", f"{PROBATION}, {NHS}"),
    _t("Electronic monitoring", "tagging",
       "tagging people on licence or bail to track their location or curfew",
       "electronic monitoring, GPS tags, curfew",
       "reoffending, domestic-abuse, burglary, knife-crime",
       "probation, community", f"{PROBATION}, {VICTIMS}"),
    _t("Neighbourhood watch", "neighbourhood watch",
       "supporting residents to look out for each other and report suspicious activity",
       "neighbourhood watch, community, guardianship",
       "burglary, vehicle-crime, anti-social-behaviour, criminal-damage, fraud",
       "residential, rural, estates", f"{COMMUNITY}, {LA}"),
    _t("Retail crime partnerships", "retail crime partnerships",
       "sharing images and intelligence on prolific shop thieves among retailers",
       "business crime, retail, information sharing, banning",
       "theft, robbery, anti-social-behaviour",
       "retail, town-centre", f"{BID}, {RETAIL}, {LA}"),
    _t("Banking protocol", "banking protocol",
       "calling police to the branch when staff suspect a customer is being coached by a fraudster",
       "courier fraud, bank staff, vulnerable customers",
       "fraud",
       "businesses, home", f"{BANKS}, {TS}"),
    _t("Scam awareness visits", "scam awareness",
       "visiting older residents with advice on doorstep, courier and phone scams",
       "scams, older people, doorstep crime, advice",
       "fraud, cyber-crime",
       "home, community, rural", f"{TS}, {COMMUNITY}, {BANKS}"),
    _t("Cyber security workshops", "cyber workshops",
       "teaching small businesses and families basic cyber security habits",
       "cyber protect, passwords, phishing, awareness",
       "cyber-crime, fraud",
       "businesses, online, schools", f"{SCHOOLS}, {LA}, {UNIS}"),
    _t("Cyber diversion", "cyber diversion",
       "steering young people with computing skills away from hacking and into legitimate careers",
       "cyber choices, diversion, young people",
       "cyber-crime, youth-offending",
       "online, schools, home", f"{SCHOOLS}, {UNIS}, {YOUTH}"),
    _t("Keyless car theft prevention", "keyless theft advice",
       "advising owners on signal-blocking pouches, steering locks and software updates",
       "keyless theft, relay attack, vehicle security",
       "vehicle-crime, organised-crime",
       "residential, car-parks, rural", f"{COMMUNITY}, {LA}"),
    _t("Catalytic converter marking", "catalytic converter marking",
       "marking catalytic converters and checking scrap dealers' records",
       "catalytic converters, scrap metal, marking",
       "vehicle-crime, organised-crime, theft",
       "car-parks, residential, businesses", f"{TS}, {LA}, {COMMUNITY}"),
    _t("Car park design improvements", "car park design",
       "improving lighting, access control and natural surveillance in car parks",
       "Park Mark, design, natural surveillance",
       "vehicle-crime, robbery, criminal-damage, theft",
       "car-parks, town-centre, transport", f"{LA}, {TRANSPORT}, {RETAIL}"),
    _t("Rapid graffiti removal", "graffiti removal",
       "removing graffiti and repairing damage within two days of a report",
       "broken windows, environmental maintenance, graffiti",
       "criminal-damage, anti-social-behaviour, hate-crime",
       "town-centre, estates, transport, parks", f"{LA}, {HOUSING}, {TRANSPORT}"),
    _t("Detached youth work", "detached youth work",
       "sending youth workers out to meet young people where they gather",
       "youth work, outreach, early intervention",
       "anti-social-behaviour, youth-offending, gangs, exploitation, knife-crime, drugs",
       "parks, estates, town-centre", f"{YOUTH}, {LA}, {VRU}"),
    _t("School-based prevention sessions", "school input",
       "delivering prevention sessions in schools with follow-up support for pupils at risk",
       "schools, education, early intervention",
       "knife-crime, exploitation, youth-offending, violence-against-women-and-girls, drugs, cyber-crime",
       "schools", f"{SCHOOLS}, {YOUTH}, {VRU}"),
    _t("Third-party hate crime reporting", "third-party reporting",
       "letting victims report hate incidents through trusted community centres",
       "third-party reporting, community, under-reporting",
       "hate-crime",
       "community, online, town-centre", f"{COMMUNITY}, {LA}, {VICTIMS}"),
    _t("Modern slavery partnership visits", "modern slavery visits",
       "joint visits to car washes, nail bars and farms with labour inspectors",
       "modern slavery, labour exploitation, NRM",
       "exploitation, organised-crime",
       "businesses, rural, town-centre", f"{LA}, {TS}, {FIRE}"),
    _t("Civil injunctions with support", "civil injunctions",
       "using community protection notices and civil injunctions with positive conditions",
       "ASB tools, civil injunctions, CPN, positive requirements",
       "anti-social-behaviour, criminal-damage, drugs, youth-offending",
       "estates, town-centre, flats, parks", f"{LA}, {HOUSING}, {YOUTH}"),
    _t("Financial disruption of organised crime groups", "asset recovery",
       "disrupting crime groups through financial investigation and asset seizure",
       "financial investigation, asset recovery, POCA, disruption",
       "organised-crime, drugs, county-lines, fraud, exploitation",
       "businesses, community", f"{LA}, {TS}, {BANKS}"),
    _t("Community violence interrupters", "violence interrupters",
       "employing credible messengers to mediate disputes before they turn violent",
       "violence interruption, public health approach, mediation",
       "serious-violence, gangs, knife-crime, homicide",
       "estates, community, hospital", f"{VRU}, {COMMUNITY}, {NHS}"),
    _t("Intelligence-led stop and search", "stop and search",
       "concentrating stop and search on the places and people linked to weapon carrying",
       "stop and search, intelligence-led, weapons",
       "knife-crime, drugs, serious-violence",
       "town-centre, transport, nte", f"{COMMUNITY}, {TRANSPORT}"),
    _t("Student safety campaigns", "student campaigns",
       "running security and safety campaigns for students at the start of each term",
       "students, awareness, crime prevention advice",
       "burglary, theft, sexual-offences, violence-against-women-and-girls",
       "students, campus, nte", f"{UNIS}, {LA}, {LICENSING}"),
)

# Setting key -> (the free term written to `settings`, a phrase with a {town} slot).
SETTINGS: dict[str, tuple[str, str]] = {
    "town-centre": ("town centre", "in {town} town centre"),
    "residential": ("residential", "in the residential streets of {town}"),
    "estates": ("housing estates", "on {town} housing estates"),
    "terraces": ("terraced housing", "in the terraced streets of {town}"),
    "flats": ("flats", "in blocks of flats in {town}"),
    "schools": ("schools", "in {town} schools"),
    "nte": ("night-time economy", "in the {town} night-time economy"),
    "licensed": ("licensed premises", "in licensed premises across {town}"),
    "transport": ("transport hubs", "around {town} railway and bus stations"),
    "parks": ("parks", "in {town} parks and open spaces"),
    "retail": ("shops", "in {town} shopping parades"),
    "car-parks": ("car parks", "in {town} car parks"),
    "hospital": ("hospital", "through the {town} hospital emergency department"),
    "home": ("home", "in victims' homes across {town}"),
    "online": ("online", "among {town} residents online"),
    "rural": ("rural", "in the villages around {town}"),
    "campus": ("university campus", "around the {town} university campus"),
    "custody": ("custody", "in {town} custody suites"),
    "community": ("community", "through community centres in {town}"),
    "students": ("student housing", "in the {town} student housing areas"),
    "businesses": ("businesses", "among small businesses in {town}"),
    "probation": ("community supervision", "under community supervision in {town}"),
}

# How an officer might say where the problem is, per setting key (none for settings that
# describe where the response happens rather than where the crime does).
WHERE: dict[str, tuple[str, ...]] = {
    "town-centre": ("in the town centre", "in town", "on the high street"),
    "residential": ("in residential areas", "on our patch", "in quiet residential streets"),
    "estates": ("on estates", "on the estate", "on council estates"),
    "terraces": ("in terraced streets", "down the back alleys"),
    "flats": ("in flats", "in tower blocks", "in social housing flats"),
    "schools": ("near schools", "in schools", "around the school gates"),
    "nte": ("in the NTE", "at kicking-out time", "on Friday and Saturday nights"),
    "licensed": ("in pubs and clubs", "in licensed premises", "in bars"),
    "transport": ("around the station", "at bus stations", "on the trains"),
    "parks": ("in parks", "in the park", "on playing fields"),
    "retail": ("in shops", "at the retail park", "on the shopping parade"),
    "car-parks": ("in car parks", "in multi-storey car parks"),
    "hospital": (),
    "home": ("at home", "in people's homes"),
    "online": ("online", "on social media"),
    "rural": ("in rural villages", "in rural areas", "on farms"),
    "campus": ("on campus", "around the university"),
    "custody": (),
    "community": ("in the community", "in community centres"),
    "students": ("in student areas", "in student lets"),
    "businesses": ("for small businesses", "for local firms"),
    "probation": (),
}

# Crime-type noun phrases for titles and summaries, by taxonomy term id. Terms not listed
# here (a taxonomy edited after this table) fall back to their lower-cased label.
CRIME_PHRASES: dict[str, str] = {
    "night-time-economy": "night-time economy violence",
    "drugs": "drug dealing",
    "gangs": "gang violence",
    "county-lines": "county lines",
    "exploitation": "child criminal exploitation",
    "violence-against-women-and-girls": "violence against women and girls",
}

# What officers type for each crime type, abbreviations included.
OFFICER_TERMS: dict[str, tuple[str, ...]] = {
    "knife-crime": ("knife crime", "knife carrying", "kids carrying knives", "blades"),
    "serious-violence": ("serious violence", "SYV", "violence", "assaults"),
    "homicide": ("homicide", "murders", "domestic homicide"),
    "county-lines": ("county lines", "CL", "cuckooing", "deal lines", "trap houses"),
    "gangs": ("gangs", "gang violence", "postcode gangs"),
    "organised-crime": ("OCGs", "organised crime", "SOC"),
    "exploitation": ("CCE", "exploitation", "modern slavery", "CSE"),
    "violence-against-women-and-girls": ("VAWG", "women's safety", "spiking", "street harassment"),
    "domestic-abuse": ("DA", "domestic abuse", "coercive control", "DV"),
    "sexual-offences": ("sexual assaults", "RASSO", "sexual offences"),
    "stalking-harassment": ("stalking", "harassment", "cyberstalking"),
    "burglary": ("burglary", "burglaries", "break-ins", "shed break-ins", "burgs"),
    "anti-social-behaviour": ("ASB", "anti-social behaviour", "youths causing annoyance", "nuisance youths"),
    "robbery": ("robbery", "street robbery", "phone snatching", "muggings"),
    "vehicle-crime": ("vehicle crime", "TFMV", "car theft", "catalytic converter theft", "keyless car theft"),
    "theft": ("shoplifting", "retail crime", "bike theft", "pickpocketing"),
    "night-time-economy": ("NTE violence", "NTE", "drunken violence", "trouble outside pubs and clubs"),
    "drugs": ("drug dealing", "drugs", "open drug markets", "cannabis dealing"),
    "reoffending": ("reoffending", "prolific offenders", "IOM nominals", "repeat offenders"),
    "youth-offending": ("youth offending", "young offenders", "kids offending"),
    "criminal-damage": ("criminal damage", "graffiti", "vandalism", "arson"),
    "hate-crime": ("hate crime", "racist abuse", "hate incidents"),
    "fraud": ("fraud", "courier fraud", "scams", "doorstep scams"),
    "cyber-crime": ("cyber crime", "hacking", "ransomware"),
}

TOWNS: tuple[str, ...] = tuple(
    prefix + suffix
    for prefix in ("Ash", "Bram", "Calder", "Dun", "Elm", "Fen", "Gilling", "Hal", "Ken", "Lang",
                   "Mar", "Nor", "Oak", "Pen", "Ray", "Stan", "Thorn", "Wen")
    for suffix in ("bridge", "ford", "ham", "ley", "mouth", "ton", "wick", "by", "field", "stead")
)

FORCES: tuple[str, ...] = (
    "Northshire Police", "Eastmoor Constabulary", "Westvale Police", "Southmarsh Police",
    "Midwold Constabulary", "Riverdale Police", "Hartland Constabulary", "Coldmoor Police",
    "Greydale Police", "Highmoor Constabulary", "Lowfield Police", "Brackenshire Police",
    "Kingsmere Constabulary", "Saltcombe Police", "Ironvale Police", "Fernleigh Constabulary",
)

OPERATIONS: tuple[str, ...] = (
    "Bluebell", "Falcon", "Harbour", "Lantern", "Meridian", "Nightjar", "Orchard", "Quarry",
    "Sentinel", "Tamar", "Willow", "Yarrow", "Beacon", "Copper", "Kestrel", "Juniper",
)

SURNAMES: tuple[str, ...] = (
    "Ashworth", "Bennett", "Chaudhry", "Davies", "Ellison", "Fletcher", "Gallagher", "Hussain",
    "Iqbal", "Jenkins", "Khan", "Lloyd", "McAllister", "Nowak", "Okafor", "Patel", "Quinn",
    "Rahman", "Sutherland", "Thompson", "Underwood", "Verma", "Whitfield", "Young",
)

DESIGNS: tuple[str, ...] = (
    "a randomised controlled trial", "a cluster-randomised trial", "a quasi-experimental evaluation",
    "a matched-area comparison", "a before-and-after study", "a systematic review",
    "a realist evaluation", "a process and impact evaluation", "a cost-benefit analysis",
    "a multi-site pilot evaluation", "a difference-in-differences study", "a longitudinal follow-up",
)
DESIGN_PLURALS = ("randomised trials", "quasi-experimental studies", "matched-area comparisons",
                  "before-and-after studies", "time-series analyses")

LEADS: tuple[str, ...] = (
    "neighbourhood policing", "serious violence", "licensing and night-time economy",
    "economic crime prevention", "domestic abuse", "youth diversion", "designing out crime",
    "exploitation and county lines", "offender management", "business crime", "hate crime",
    "cyber protect",
)

GENERIC_PARTNERS: tuple[str, ...] = (
    LA, HOUSING, NHS, SCHOOLS, YOUTH, PROBATION, BID, LICENSING, TS, FIRE, COMMUNITY, VRU,
    VICTIMS, TRANSPORT, UNIS,
)

NUMBER_WORDS = ("three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
MONTHS = ("six", "nine", "twelve", "eighteen", "twenty-four")

# ---------------------------------------------------------------------------------------
# Summary wording

RESEARCH_OUTCOMES: dict[str, tuple[str, ...]] = {
    "reduced": (
        "cut recorded {crime} by about {p} per cent over {months} months",
        "was followed by a fall of around {p} per cent in {crime} against matched areas",
        "reduced {crime} compared with similar areas, with little sign of displacement",
        "brought {crime} down by roughly {p} per cent within a year",
    ),
    "mixed": (
        "had mixed effects on {crime}, with falls at some sites and none at others",
        "reduced {crime} at first, but the effect faded after {months} months",
        "lowered {crime} only where delivery stayed close to the plan",
    ),
    "no-effect": (
        "made no measurable difference to {crime}",
        "did not reduce {crime} compared with matched comparison areas",
        "left {crime} unchanged over {months} months of follow-up",
    ),
    "increased": (
        "was followed by a small rise in {crime}",
        "appeared to increase reported {crime}, partly through better reporting",
        "coincided with a rise of about {p} per cent in {crime}",
    ),
    "unknown": (
        "has not yet been shown to change {crime}",
        "could not show whether {crime} changed, for want of a comparison group",
        "reported good take-up but no reliable measure of {crime}",
    ),
}

RESEARCH_SECOND: dict[str, tuple[str, ...]] = {
    "strong": (
        "The evidence is strong and consistent across sites.",
        "Several well-designed studies point the same way, so the finding can be relied on.",
        "This is one of the better-evidenced approaches, with consistent results from {n} sites.",
    ),
    "moderate": (
        "The evidence is moderate, from {n} comparison areas.",
        "Results were reasonably consistent, although most studies were small.",
        "The evidence is moderate and comes mainly from England and Wales.",
    ),
    "limited": (
        "The evidence is limited, so treat the result with caution.",
        "Only a few small studies exist, and follow-up was short.",
        "The evidence is limited and local results may differ.",
    ),
    "very-limited": (
        "The evidence is very limited and mostly descriptive.",
        "There is very little robust evaluation, so this is a promising idea at best.",
        "Very limited evidence: a single small study without a strong comparison.",
    ),
}

PRACTICE_OPENERS: tuple[str, ...] = (
    "{force} worked with {partner} on {desc} {where}, after a rise in {crime}.",
    "To tackle {crime} {where}, {force} and {partner} began {desc}.",
    "Faced with persistent {crime} {where}, {force} teamed up with {partner}, {desc}.",
    "{force} tackled {crime} {where} by {desc}, working with {partner}.",
)

PRACTICE_SECOND: tuple[str, ...] = (
    "Reports fell over the following year, though there was no formal evaluation.",
    "Partners judged it worthwhile and it is now part of routine neighbourhood work.",
    "Early monitoring showed fewer repeat calls, and an evaluation is planned.",
    "Recorded offences fell by about {p} per cent, against a flat trend elsewhere in the force.",
    "Residents said they felt safer, although recorded crime changed little.",
    "The scheme was cheap to run and has been copied by neighbouring teams.",
)

EDIT_FINDINGS: dict[str, tuple[str, ...]] = {
    "research": (
        "confirmed the main findings but stressed that results depend on sustained delivery",
        "found the effect weakened once dedicated funding ended",
        "added {n} further sites with broadly similar results",
        "recommended clearer targeting guidance before wider use",
    ),
    "practice": (
        "found the scheme still running, now funded by the community safety partnership",
        "showed the early fall in offences had held for a further year",
        "found delivery had slipped after staff changes and set out a recovery plan",
        "extended the approach to {n} more neighbourhoods",
    ),
}

# ---------------------------------------------------------------------------------------
# Body paragraph wording: each heading is a list of slots; a paragraph takes one sentence
# from each slot in order, then extra sentences from the heading's last slot until it is
# long enough.

EFFECT_LEADS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "reduced": (
        (
            "Areas that received the intervention saw recorded offences fall by about {p} per cent over {months} months, compared with matched areas that carried on as before.",
            "The pooled estimate across {k} evaluations showed a modest but reliable reduction in the targeted offences, of roughly {p} per cent.",
            "Recorded crime in the treated sites fell by around {p} per cent relative to comparison sites, and calls for service fell by a similar amount.",
            "Most of the {k} studies reviewed found fewer offences after the scheme started, with an average reduction of about {p} per cent.",
            "Offending fell in {n} of the sites studied and stayed level in the rest, giving an overall reduction of about {p} per cent.",
            "Victim surveys and recorded crime both pointed the same way: a fall of about {p} per cent in the targeted offences within {months} months.",
        ),
        (
            "There was little sign of displacement to neighbouring streets, and several sites reported a diffusion of benefits to nearby areas.",
            "The reduction was largest in the first {months} months and narrowed slightly once the initial publicity faded.",
            "Repeat victimisation fell faster than first-time victimisation, suggesting the scheme protected those most at risk.",
            "Fear of crime also fell in resident surveys, although the change was smaller than the change in recorded offences.",
            "Nearby areas showed no increase in the same offences, so the benefit appears to be a genuine reduction rather than a shift.",
        ),
    ),
    "mixed": (
        (
            "Results varied widely between sites: {k} evaluations found reductions of up to {p} per cent, while others found no change at all.",
            "The intervention was followed by fewer offences in some areas and more in others, and the pooled effect was small and uncertain.",
            "Early reductions of around {p} per cent were recorded in the first {months} months, but offending returned to previous levels afterwards.",
            "Of the {k} studies, roughly half reported a fall in the targeted offences and half reported no meaningful difference.",
            "Recorded offences fell, but victim surveys did not show the same change, so it is unclear how much of the fall was real.",
        ),
        (
            "The differences seem to reflect how fully each site delivered the scheme rather than the idea itself.",
            "Where a reduction appeared, it was concentrated in the places with the highest offending before the scheme began.",
            "Some sites saw offences move to nearby streets, which offset part of the local gain.",
            "Outcomes other than crime, such as public confidence and reporting, improved more consistently than offending did.",
        ),
    ),
    "no-effect": (
        (
            "Across {k} evaluations, there was no measurable difference in offending between the places or people who received the intervention and those who did not.",
            "Recorded offences in the treated areas followed the same trend as in comparison areas over {months} months of follow-up.",
            "The pooled estimate was close to zero, and the confidence interval ruled out anything more than a very small effect.",
            "Neither recorded crime nor victim survey measures changed after the scheme began, compared with matched areas.",
        ),
        (
            "Participants and residents rated the scheme positively, but satisfaction did not translate into less crime.",
            "Process measures such as contacts made and advice given rose sharply, without any change in the offences targeted.",
            "Longer follow-up did not change the picture, which suggests the lack of effect is not a matter of timing.",
            "There was no evidence of harm either, so the scheme may still have value for reasons other than crime reduction.",
        ),
    ),
    "increased": (
        (
            "Offending among those who took part rose slightly compared with similar people who did not, by about {p} per cent over {months} months.",
            "Recorded offences went up by around {p} per cent in the treated areas, against a flat trend in comparison areas.",
            "Several of the {k} studies found small increases in the targeted offences after the scheme started.",
            "The pooled estimate pointed to a small increase in offending, although the confidence interval was wide.",
        ),
        (
            "Part of the rise may reflect better reporting, as victims became more confident that action would follow.",
            "Reviewers suggest that bringing lower-risk people together with higher-risk peers may have reinforced offending.",
            "The rise was concentrated in the first months, when the scheme drew attention to the area without changing the opportunities there.",
            "Whatever the cause, the finding argues for caution and careful monitoring before any wider roll-out.",
        ),
    ),
    "unknown": (
        (
            "No evaluation so far has measured the effect on offending with a credible comparison group.",
            "The available studies describe delivery and take-up but do not report crime outcomes, so the effect is not known.",
            "Only {n} small before-and-after studies exist, and their results cannot be separated from wider trends in recorded crime.",
            "Monitoring data show changes in recorded offences, but without a comparison area it is impossible to say whether the scheme caused them.",
        ),
        (
            "Practitioners report encouraging signs, such as more intelligence submissions and better engagement with partners.",
            "A properly designed evaluation, ideally with comparison areas agreed in advance, would be needed to settle the question.",
            "Until better evidence is available, the scheme should be treated as promising but untested.",
            "Forces using it should record a clear baseline and a comparison area so that their own results add to the evidence.",
        ),
    ),
}

EFFECT_EVIDENCE: tuple[str, ...] = (
    "The evidence comes from {design_plural} in {k} areas, most of them in England and Wales.",
    "Most studies followed outcomes for {months} months and used recorded crime data supplied by the local force.",
    "The strongest studies used randomly allocated sites; the weaker ones compared areas chosen by local managers.",
    "Study quality varied, with several evaluations relying on small samples and short follow-up periods.",
    "Outcome measures included recorded crime, calls for service and, in some studies, victimisation surveys.",
    "Few studies reported whether the effect lasted beyond the funded period.",
    "Researchers had to rely on police records, which understate offences that victims are reluctant to report.",
)

SECTION_SLOTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Mechanism": (
        (
            "The scheme works mainly by increasing the effort and risk an offender faces at the moment of the crime.",
            "The main idea is to change the situation in which offending happens, so that opportunities are fewer and harder to exploit.",
            "The intended mechanism is deterrence: offenders who believe they are more likely to be caught are less likely to offend.",
            "The approach aims to strengthen the people and places that protect potential victims, so that harm is noticed and challenged earlier.",
            "It works through the people involved, by changing attitudes, skills or circumstances that make offending more likely.",
            "The scheme seeks to remove the excuses offenders use, making rules clear and consequences visible.",
            "Underneath the scheme is the idea that a small number of people, places and victims account for most of the harm.",
        ),
        (
            "Visible activity and clear signage tell offenders that the area is watched and that residents and partners act on what they see.",
            "Regular contact with a trusted worker gives people a reason and a route to step away from offending.",
            "Sharing information between agencies means that warning signs spotted by one partner reach those able to act on them.",
            "Physical changes make targets harder to reach and escape routes harder to use.",
            "Victims and witnesses gain confidence to report, which in turn gives the police and partners the information they need.",
            "Capable guardians, whether staff, residents or volunteers, are present at the times and places where offending is most likely.",
        ),
        (
            "Offenders may adapt over time, so the mechanism weakens if the scheme is not refreshed.",
            "The effect depends on offenders noticing the change; a scheme nobody knows about cannot deter anyone.",
            "Some of the benefit may come from the attention the area receives rather than from the specific activity.",
            "Where offending is driven by addiction or exploitation, situational measures alone are unlikely to be enough.",
            "Evaluations rarely test the mechanism directly, so the account here rests partly on theory and practitioner experience.",
            "The same mechanism can produce a diffusion of benefits, as offenders overestimate how far the scheme extends.",
            "Working with {partner} widens the range of levers available beyond arrest and prosecution.",
        ),
    ),
    "Moderators": (
        (
            "Effects were larger where the problem was concentrated in a small number of places or people.",
            "The scheme worked best when it was targeted using recent, accurate data rather than reputation.",
            "Results were stronger in dense urban areas than in rural or suburban settings.",
            "Schemes aimed at young people did better when they started early, before offending became established.",
            "Where offending was already falling, the additional benefit of the scheme was harder to detect.",
            "Effects were weaker when offenders were organised and mobile, and could simply move their activity.",
        ),
        (
            "Delivery with {partner} made a clear difference, especially where partners shared data and met regularly.",
            "Sites that kept the same lead officer throughout saw steadier results than those with frequent changes of staff.",
            "Short, unpredictable visits seemed to work better than long, fixed patterns of activity.",
            "Schemes that combined enforcement with an offer of support outperformed those relying on either alone.",
            "Community involvement helped, but only where residents felt their concerns had shaped the response.",
            "Dosage mattered: sites that delivered less than half the planned activity saw little change.",
        ),
        (
            "There is little evidence on whether the effect differs by victims' age, sex or ethnicity.",
            "Most studies were in England and Wales, and results may not transfer to very different policing contexts.",
            "Costs and effects both rose with the scale of the scheme, but not always in step.",
            "Seasonal patterns affected some results, so comparisons should cover at least a full year.",
            "Small schemes were harder to evaluate, which may hide benefits in some settings.",
            "The {k} sites studied differed in size and deprivation, but the pattern held across most of them.",
        ),
    ),
    "Implementation": (
        (
            "Start with a clear problem analysis: when, where and against whom the offences happen, and how.",
            "Agree the aims, the target area and the measures of success with partners before starting.",
            "Name a single lead who owns the plan and can call partners to account for their part of it.",
            "Check whether the local problem matches the one the evidence describes before copying a scheme from elsewhere.",
            "Use the last {months} months of recorded crime and calls for service to pick the places and people to focus on.",
        ),
        (
            "Build the scheme with {partner}, who often hold the powers, the data or the relationships the police lack.",
            "Brief the officers and staff involved on why the scheme is running and what they are expected to do differently.",
            "Record activity as it happens, so that delivery can be checked against the plan each month.",
            "Plan how residents and businesses will hear about the scheme, as publicity is part of the mechanism.",
            "Set aside time for partner meetings, which tend to be squeezed once the scheme is under way.",
            "Agree data-sharing arrangements early, since they are the most common cause of delay.",
        ),
        (
            "Review progress after {months} months and be prepared to stop or change activity that is not being delivered.",
            "Plan from the start how the scheme will be sustained once initial funding ends.",
            "Keep a comparison area in mind so that the results can be judged against what would have happened anyway.",
            "Share what you learn with the Hub so that other teams can benefit from local experience.",
            "Avoid spreading resources thinly across too many places; concentration is what makes the approach work.",
            "Check with legal services early if the scheme relies on orders, notices or information sharing.",
        ),
    ),
    "Economic cost": (
        (
            "The main cost is staff time, estimated at around {hours} officer hours a week for a typical neighbourhood area.",
            "Set-up costs were about £{thousands},000 per site, mostly for equipment, training and publicity.",
            "Most of the cost falls on partners rather than the police, chiefly {partner}.",
            "Running costs are modest once the scheme is established, at roughly £{thousands},000 a year for a medium-sized area.",
            "Few studies report costs in enough detail to compare schemes directly.",
        ),
        (
            "Where offences were prevented, the savings to victims and public services exceeded the costs within {years} years.",
            "One cost-benefit analysis estimated a return of about £{ratio} for every £1 spent, although the estimate was sensitive to assumptions.",
            "Without a clear reduction in offending, there are no offsetting savings to set against the cost.",
            "Savings were greatest where the scheme was concentrated on the highest-harm places and people.",
            "Costs per offence prevented were lower than for most enforcement-led alternatives.",
        ),
        (
            "Hidden costs, such as partner time and maintenance, are often left out of published figures.",
            "Forces should budget for evaluation, typically a small fraction of the total cost.",
            "Sharing equipment and training across neighbouring areas can reduce the cost per site.",
            "Economic estimates rarely include the value of improved public confidence, which may be substantial.",
            "Costs rise sharply if the scheme is spread over a large area without clear targeting.",
            "Match funding from the Police and Crime Commissioner covered part of the cost in {n} of the areas studied.",
        ),
    ),
    "Problem": (
        (
            "Recorded offences in the area had risen by about {p} per cent over {months} months, and residents were raising the issue at every community meeting.",
            "A small number of locations accounted for a large share of the calls received by the neighbourhood team.",
            "Analysis showed that the same victims and addresses were appearing again and again in crime reports.",
            "Partners had each been dealing with parts of the problem, but nobody held the whole picture.",
            "Complaints from businesses and residents had grown steadily, and local councillors asked the force for a plan.",
            "The problem was concentrated at particular times, mostly evenings and weekends, and in a handful of streets.",
        ),
        (
            "Previous responses had relied on enforcement alone, with arrests that did little to change the pattern.",
            "Many victims were reluctant to report, so recorded crime understated the scale of the harm.",
            "Young people in the area were being drawn into offending, sometimes by older people exploiting them.",
            "Officers described the area as one they were called to often but rarely had time to get to know.",
            "Information held by {partner} suggested the problem was wider than police records showed.",
            "The area had poor lighting, little natural surveillance and easy escape routes.",
        ),
        (
            "The neighbourhood team chose the problem as a priority after a consultation with residents.",
            "A problem profile was prepared by the force analyst to set a baseline before any response began.",
            "The local authority and the force agreed to pool resources and set a shared target for reduction.",
            "The aim was to reduce harm quickly while building something that partners could sustain.",
            "Funding for a pilot came from the Police and Crime Commissioner's community safety fund.",
            "About {k} incidents a month were being recorded at the worst locations when the work began.",
        ),
    ),
    "Response": (
        (
            "The neighbourhood team worked with {partner} to agree a plan covering enforcement, prevention and support.",
            "A task group met every fortnight to review new incidents and allocate actions to named people.",
            "Officers mapped the hot spots and concentrated visible activity at the busiest times.",
            "The scheme started with a small pilot in the worst-affected streets before extending to the wider area.",
            "Partners shared information under a signed agreement, so that risks could be assessed jointly.",
        ),
        (
            "Residents and businesses were given crime prevention advice, and the most vulnerable received home visits.",
            "Repeat offenders were offered support with housing, drugs and employment, with enforcement for those who refused.",
            "Physical changes were made to the environment, including better lighting, cut-back vegetation and secure access.",
            "Staff in local venues and shops were trained to spot warning signs and report them quickly.",
            "Young people were referred to youth workers and diversion programmes rather than into the justice system.",
            "Civil tools, such as community protection notices and injunctions, were used where engagement failed.",
        ),
        (
            "Progress was reported monthly to the local policing board.",
            "Communications used local social media, leaflets and street briefings to explain what was happening and why.",
            "The force analyst tracked recorded crime and calls for service against the baseline throughout.",
            "The response was adjusted after {months} months, when it became clear which activities were making a difference.",
            "Volunteers from the community helped with visits and awareness events.",
            "In all, {n} partner organisations took part at some stage.",
        ),
    ),
    "Outcomes": (
        (
            "Recorded offences fell by about {p} per cent over the following {months} months compared with the year before.",
            "Calls for service from the target streets dropped noticeably, and repeat victims reported fewer incidents.",
            "The number of offences recorded did not change much, but reporting by victims increased, which partners saw as progress.",
            "Partners reported better information sharing and quicker responses to new concerns.",
            "Resident surveys showed people felt safer, although recorded crime fell only slightly.",
        ),
        (
            "There was no formal evaluation and no comparison area, so the fall cannot be attributed to the scheme with confidence.",
            "A small internal review found the scheme was delivered largely as planned.",
            "Some activity appeared to move to neighbouring streets, which the team then addressed.",
            "The results are in line with research on similar schemes, but local figures are small and variable.",
            "An independent evaluation is planned for the next phase.",
        ),
        (
            "The scheme has since been adopted as routine practice by the neighbourhood team.",
            "Partners agreed to continue funding the most effective parts of the response.",
            "Feedback from officers was positive, particularly about the time saved through joint working.",
            "Staff turnover has made it harder to keep the scheme going at the same level.",
            "Other teams in the force have asked for the materials used.",
            "The approach has been shared with {n} neighbouring forces through the regional prevention network.",
        ),
    ),
    "Contact": (
        (
            "Ask the Hub's {lead} lead, who holds the problem profile, the partnership agreement and the delivery plan.",
            "The {lead} lead at the Hub can put you in touch with the officers who ran the scheme.",
            "Contact the Prevention First Hub, which keeps the briefing materials and the monitoring data.",
            "The neighbourhood inspector who led the work is happy to talk to teams considering something similar, via the Hub.",
        ),
        (
            "Before starting, agree with {partner} who will own each part of the response.",
            "Check that your local problem matches this one; the approach depends on the offences being concentrated.",
            "Allow time to set up data sharing, which took longer than expected here.",
            "Build in a baseline and a comparison area from the start, so that your results can be judged fairly.",
            "Plan how the work will be sustained after the first year.",
        ),
        (
            "Templates for letters, briefings and monitoring are available on request.",
            "The team is also willing to share what did not work, which is often the most useful part.",
            "Visits to see the scheme in action can be arranged through the Hub.",
            "The Hub can help you adapt the evaluation plan to your own area.",
            "Expect the set-up to take a few months before the response is fully running.",
            "Questions about data sharing should go to the force information management team as well.",
        ),
    ),
    "Lessons": (
        (
            "Partnership working took longer to set up than expected, but paid off once roles were clear.",
            "Concentrating effort on the few places and people driving the problem made the biggest difference.",
            "Early publicity helped, but it needed to be backed by visible action to keep residents' trust.",
            "Monitoring needed to start before the response, not after, to give a fair baseline.",
        ),
        (
            "The team underestimated the time needed for partner meetings and paperwork.",
            "Support offers worked best when they came from someone the person already trusted.",
            "Staff changes were the biggest risk to continuity; a written plan helped new staff pick up the work.",
            "Short, regular updates to partners kept them engaged more than occasional long reports.",
        ),
        (
            "Enforcement alone would not have worked; the offer of support gave people a way out.",
            "Some planned activity proved impractical and was dropped after the first review, freeing time for what worked.",
            "Involving {partner} from the first meeting avoided duplicated effort later on.",
            "Keeping the response going for {months} months mattered more than the intensity of the first weeks.",
            "The most useful data came from partners, not from police systems.",
            "Residents were more willing to help once they saw their reports led to action.",
        ),
    ),
}

QUERY_TEMPLATES: tuple[str, ...] = (
    "what works for {crime} {where}",
    "what works to reduce {crime}",
    "{does} {tactic} cut {crime}",
    "{does} {tactic} reduce {crime}?",
    "{is_} {tactic} effective against {crime} {where}",
    "evidence for {tactic} on {crime}",
    "{tactic} {crime} evidence",
    "any forces done {tactic} for {crime}?",
    "examples of {tactic} to tackle {crime} {where}",
    "how can we prevent {crime} {where}",
    "ideas for tackling {crime} {where}",
    "best way to stop {crime} {where}",
    "{is_} {tactic} worth the money",
    "how much {does} {tactic} cost",
    "{crime} {where} what can the neighbourhood team do",
    "who has tried {tactic} {where}",
    "problem with {crime} {where}, what has worked elsewhere?",
    "{crime} rising {where} - any good practice",
    "{does} {tactic} just move {crime} elsewhere",
    "how do we set up {tactic} for {crime}",
    "{tactic} for {crime}",
    "what does the research say about {tactic}",
    "need ideas for {crime} {where} please",
    "prevention options for {crime} {where}",
)


# ---------------------------------------------------------------------------------------
# Text helpers


def _slug(text: str) -> str:
    """Lowercase letters, digits and single hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _words(text: str) -> int:
    return len(text.split())


def _q(text: str) -> str:
    """A YAML scalar for any string: JSON strings are valid double-quoted YAML."""
    return json.dumps(text, ensure_ascii=False)


def _qlist(items: Sequence[str]) -> str:
    return "[" + ", ".join(_q(item) for item in items) + "]"


def _fill(template: str, rng: random.Random) -> str:
    """A template with its number, duration and partner slots filled at random."""
    if "{" not in template:
        return template
    return template.format(
        p=rng.randint(8, 40),
        k=rng.randint(10, 30),
        n=rng.choice(NUMBER_WORDS),
        months=rng.choice(MONTHS),
        design_plural=rng.choice(DESIGN_PLURALS),
        partner=rng.choice(GENERIC_PARTNERS),
        lead=rng.choice(LEADS),
        hours=rng.randrange(10, 65, 5),
        thousands=rng.randrange(5, 85, 5),
        years=rng.choice(NUMBER_WORDS[:4]),
        ratio=f"{rng.uniform(1.2, 6.0):.2f}",
    )


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _crime_phrase(term: str, label: str) -> str:
    return CRIME_PHRASES.get(term, label.lower())


# ---------------------------------------------------------------------------------------
# Paragraph pools


def _compose(slots: Sequence[Sequence[str]], rng: random.Random) -> str:
    """One paragraph of 50-90 words: a sentence from each slot, padded from the last slot."""
    lo, hi = PARAGRAPH_WORDS
    while True:
        chosen = [rng.choice(slot) for slot in slots]
        extras = [template for template in slots[-1] if template not in chosen]
        rng.shuffle(extras)
        for extra in extras:
            if _words(" ".join(chosen)) >= lo:
                break
            chosen.append(extra)
        text = " ".join(_fill(template, rng) for template in chosen)
        if lo <= _words(text) <= hi:
            return text


def _effect_slots(effect: str) -> tuple[tuple[str, ...], ...]:
    leads, details = EFFECT_LEADS[effect]
    return (leads, details, EFFECT_EVIDENCE)


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=WRAP, break_on_hyphens=False, break_long_words=False)


def _pool(slots: Sequence[Sequence[str]], size: int, seed: str) -> list[str]:
    """``size`` distinct wrapped paragraphs, the same for the same seed."""
    rng = random.Random(seed)
    seen: set[str] = set()
    pool: list[str] = []
    attempts = 0
    while len(pool) < size:
        attempts += 1
        if attempts > size * 50:
            raise RuntimeError(f"cannot compose {size} distinct paragraphs for {seed!r}")
        text = _compose(slots, rng)
        if text not in seen:
            seen.add(text)
            pool.append(_wrap(text))
    return pool


def paragraphs_per_heading(n: int) -> int:
    """The size of each heading's paragraph pool for a base of ``n`` entries.

    It grows with the base up to 600, so that even a small base reuses paragraphs (most
    texts are shared) while a large one has varied bodies.
    """
    return max(MIN_PARAGRAPHS_PER_HEADING, min(MAX_PARAGRAPHS_PER_HEADING, n // 10))


@dataclass(frozen=True)
class _Pools:
    effect: dict[str, list[str]]
    sections: dict[str, list[str]]


def _pools(size: int, seed: int) -> _Pools:
    effect = {e: _pool(_effect_slots(e), size, f"{seed}:Effect:{e}") for e in EFFECTS}
    sections = {h: _pool(slots, size, f"{seed}:{h}") for h, slots in SECTION_SLOTS.items()}
    return _Pools(effect, sections)


# ---------------------------------------------------------------------------------------
# Entries


def load_terms(taxonomy_path: Path) -> dict[str, str]:
    """Crime-type term ids and their labels from a taxonomy file."""
    data = yaml.safe_load(taxonomy_path.read_text(encoding="utf-8"))
    terms = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(terms, dict) or not terms:
        raise ValueError(f"{taxonomy_path}: no `terms` mapping")
    return {str(term): str((spec or {}).get("label", term)) for term, spec in terms.items()}


def _usable_tactics(terms: dict[str, str]) -> list[Tactic]:
    """The tactics restricted to crime types the taxonomy lists (dropping those left with none)."""
    usable = []
    for tactic in TACTICS:
        crimes = tuple(c for c in tactic.crimes if c in terms)
        if crimes:
            usable.append(Tactic(tactic.name, tactic.short, tactic.desc, tactic.tags, crimes,
                                 tactic.settings, tactic.partners))
    if not usable:
        raise ValueError("the taxonomy shares no crime types with the synthetic tactics")
    return usable


def _fit(first: str, seconds: Sequence[str], rng: random.Random) -> str:
    """``first`` plus a second sentence that keeps it within the summary length, if one does.

    When none does, ``first`` alone if it is long enough, else the nearest miss.
    """
    lo, hi = SUMMARY_WORDS
    options = list(seconds)
    rng.shuffle(options)
    best = ""
    for option in options:
        text = f"{first} {_fill(option, rng)}"
        if lo <= _words(text) <= hi:
            return text
        if not best or abs(_words(text) - (lo + hi) / 2) < abs(_words(best) - (lo + hi) / 2):
            best = text
    if lo <= _words(first) <= hi:
        return first
    return best


def _in_range(summary: str) -> bool:
    lo, hi = SUMMARY_WORDS
    return lo <= _words(summary) <= hi


def _research_summary(tactic: Tactic, crime: str, where: str, design: str, effect: str,
                      quality: str, rng: random.Random) -> str:
    """One or two sentences: the design, what the tactic did to the crime, and the evidence."""
    lead = f"{design[0].upper()}{design[1:]} found that {tactic.desc} {where}"
    for _ in range(8):
        outcome = rng.choice(RESEARCH_OUTCOMES[effect]).replace("{crime}", crime)
        summary = _fit(f"{lead} {_fill(outcome, rng)}.", RESEARCH_SECOND[quality], rng)
        if _in_range(summary):
            break
    return summary


def _practice_summary(tactic: Tactic, crime: str, where: str, force: str, partner: str,
                      rng: random.Random) -> str:
    """One or two sentences: who did what about which crime where, and how it went."""
    for _ in range(8):
        first = rng.choice(PRACTICE_OPENERS).format(force=force, partner=partner, desc=tactic.desc,
                                                    where=where, crime=crime)
        summary = _fit(first[0].upper() + first[1:], PRACTICE_SECOND, rng)
        if _in_range(summary):
            break
    return summary


def _dates(rng: random.Random) -> tuple[dt.date, dt.date | None]:
    published = FIRST_PUBLISHED + dt.timedelta(days=rng.randrange((LAST_PUBLISHED - FIRST_PUBLISHED).days + 1))
    if rng.random() < 0.7:
        years = rng.choice((2, 3))
        day = min(published.day, 28) if published.month == 2 else published.day
        return published, published.replace(year=published.year + years, day=day)
    return published, None


def _render(fields: list[tuple[str, str]], sections: Sequence[tuple[str, str]]) -> str:
    head = "\n".join(f"{key}:{value}" if value.startswith("\n") else f"{key}: {value}" for key, value in fields)
    body = "\n\n".join(f"## {heading}\n{text}" for heading, text in sections)
    return f"---\n{head}\n---\n{body}\n"


@dataclass(frozen=True)
class _Topic:
    """What one entry is about; its title is unique in the base."""

    kind: str
    title: str
    tactic: Tactic
    term: str
    crime: str
    setting_key: str
    town: str
    where: str
    design: str  # the study design (research entries)


def _topic(kind: str, tactics: Sequence[Tactic], terms: dict[str, str], titles: set[str],
           rng: random.Random) -> _Topic:
    """A topic whose title is not in ``titles`` yet (and is then added to it)."""
    while True:
        tactic = rng.choice(tactics)
        term = rng.choice(tactic.crimes)
        setting_key = rng.choice(tactic.settings)
        town = rng.choice(TOWNS)
        where = SETTINGS[setting_key][1].format(town=town)
        crime = _crime_phrase(term, terms[term])
        design = ""
        if kind == "research":
            design = rng.choice(DESIGNS)
            title = f"{tactic.name} and {crime} {where}: {design}"
        else:
            verb = "to tackle" if " against " in crime else "against"
            title = f"{tactic.name} {verb} {crime} {where}"
        if title not in titles:
            titles.add(title)
            return _Topic(kind, title, tactic, term, crime, setting_key, town, where, design)


def _entry(number: int, topic: _Topic, pools: _Pools, rng: random.Random) -> tuple[str, str, str]:
    """The id, summary and file text of entry ``number``."""
    tactic = topic.tactic
    entry_id = f"syn-{number:06d}-{tactic.slug}-{topic.term}"
    published, review_by = _dates(rng)
    others = [c for c in tactic.crimes if c != topic.term]
    crime_types = [topic.term, *rng.sample(others, min(len(others), rng.randint(0, 2)))]
    other_settings = [s for s in tactic.settings if s != topic.setting_key]
    also = rng.sample(other_settings, min(len(other_settings), rng.randint(0, 1)))
    settings = [SETTINGS[key][0] for key in (topic.setting_key, *also)]
    tags = rng.sample(tactic.tags, rng.randint(min(2, len(tactic.tags)), len(tactic.tags)))

    before_source: list[tuple[str, str]] = []
    after_link: list[tuple[str, str]] = []
    if topic.kind == "research":
        effect = rng.choices(EFFECTS, EFFECT_WEIGHTS)[0]
        quality = rng.choices(QUALITIES, QUALITY_WEIGHTS)[0]
        if effect == "unknown" and quality in ("strong", "moderate"):
            quality = "limited"
        summary = _research_summary(tactic, topic.crime, topic.where, topic.design, effect, quality, rng)
        authors = " & ".join(rng.sample(SURNAMES, rng.randint(1, 3)))
        design = topic.design.removeprefix("a ")
        year = published.year - rng.randint(0, 3)
        source = f"{authors}, {design} of {tactic.name.lower()} in {topic.town} ({year})"
        sections = [("Effect", rng.choice(pools.effect[effect]))]
        sections += [(h, rng.choice(pools.sections[h])) for h in RESEARCH_HEADINGS[1:]]
        before_source.append(("evidence", f"\n  effect: {effect}\n  quality: {quality}"))
    else:
        force = rng.choice(FORCES)
        partner = rng.choice(tactic.partners)
        summary = _practice_summary(tactic, topic.crime, topic.where, force, partner, rng)
        source = f"Operation {rng.choice(OPERATIONS)}, {force} with {partner} ({published.year})"
        sections = [(h, rng.choice(pools.sections[h])) for h in PRACTICE_HEADINGS]
        after_link.append(("force", _q(force)))
        if rng.random() < 0.8:
            contact = f"{rng.choice(LEADS).capitalize()} lead, via the Prevention First Hub ({HUB_EMAIL})"
            after_link.append(("contact", _q(contact)))

    fields = [
        ("id", entry_id),
        ("title", _q(topic.title)),
        ("kind", topic.kind),
        ("summary", _q(summary)),
        ("crime_types", "[" + ", ".join(crime_types) + "]"),
        ("settings", _qlist(settings)),
        *before_source,
        ("source", _q(source)),
        ("link", _q(f"https://example.org/synthetic/{entry_id}")),
        *after_link,
        ("published", published.isoformat()),
    ]
    if review_by is not None:
        fields.append(("review_by", review_by.isoformat()))
    fields.append(("tags", _qlist(tags)))
    return entry_id, summary, _render(fields, sections)


def generate(out_dir: Path, n: int, *, seed: int = 7, taxonomy_path: Path = DEFAULT_TAXONOMY,
             paragraphs: int | None = None) -> list[str]:
    """Write a synthetic knowledge base of ``n`` entries and return their ids.

    Entries go to ``out_dir/research`` (about 60%) and ``out_dir/practice``, and the taxonomy
    is copied to ``out_dir/taxonomy.yaml``. The same arguments always write the same files.

    Args:
        out_dir: Folder to write to; it must be empty or not exist yet.
        n: Number of entries.
        seed: Seed for every random choice.
        taxonomy_path: Taxonomy whose term ids the entries' ``crime_types`` use.
        paragraphs: Size of each heading's paragraph pool (default: ``paragraphs_per_heading(n)``).

    Returns:
        The entry ids, in file-number order.

    Raises:
        FileExistsError: ``out_dir`` already holds files.
        ValueError: ``n`` is negative or the taxonomy is unusable.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty")
    terms = load_terms(taxonomy_path)
    tactics = _usable_tactics(terms)
    pools = _pools(paragraphs or paragraphs_per_heading(n), seed)
    folders = {kind: out_dir / kind for kind in ("research", "practice")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(taxonomy_path, out_dir / "taxonomy.yaml")

    rng = random.Random(seed)
    titles: set[str] = set()
    summaries: set[str] = set()
    ids: list[str] = []
    for number in range(1, n + 1):
        kind = "research" if rng.random() < RESEARCH_SHARE else "practice"
        topic = _topic(kind, tactics, terms, titles, rng)
        entry_id, summary, text = _entry(number, topic, pools, rng)
        if summary in summaries:  # cannot happen: summaries carry every part of the unique title
            raise RuntimeError(f"duplicate summary for {entry_id}")
        summaries.add(summary)
        (folders[kind] / f"{entry_id}.md").write_text(text, encoding="utf-8")
        ids.append(entry_id)
    return ids


# ---------------------------------------------------------------------------------------
# One edit, for timing an incremental rebuild


def _entry_path(out_dir: Path, entry_id: str | None) -> Path:
    """The file of ``entry_id``, or of the lowest-numbered entry."""
    if entry_id is None:
        # Entries are numbered from 1, so the first few numbers find one without listing
        # a folder of tens of thousands of files.
        for number in range(1, 100):
            for kind in ("research", "practice"):
                found = sorted((out_dir / kind).glob(f"syn-{number:06d}-*.md"))
                if found:
                    return found[0]
        found = sorted(out_dir.glob("*/syn-*.md"))
        if found:
            return found[0]
        raise FileNotFoundError(f"no synthetic entries under {out_dir}")
    for kind in ("research", "practice"):
        path = out_dir / kind / f"{entry_id}.md"
        if path.is_file():
            return path
    raise FileNotFoundError(f"no entry {entry_id!r} under {out_dir}")


def edit_one(out_dir: Path, entry_id: str | None = None) -> Path:
    """Revise one entry as the Hub would after a follow-up review, and return its path.

    The summary keeps its first sentence and gains a dated review finding, one section
    (Implementation for research, Outcomes for practice) is rewritten with a dated update,
    and ``published`` moves on a day. Every call produces text the base did not hold before.

    Args:
        out_dir: A base written by :func:`generate`.
        entry_id: The entry to edit; by default the lowest-numbered one.

    Raises:
        FileNotFoundError: No such entry.
        ValueError: The file is not in the layout :func:`generate` writes.
    """
    path = _entry_path(Path(out_dir), entry_id)
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n") or "\n---\n" not in text[3:]:
        raise ValueError(f"{path}: no front matter")
    end = text.index("\n---\n", 3)
    head, body = text[4:end], text[end + 5:]

    published_match = re.search(r"^published: (\d{4}-\d{2}-\d{2})$", head, re.M)
    summary_match = re.search(r"^summary: (\".*\")$", head, re.M)
    kind_match = re.search(r"^kind: (research|practice)$", head, re.M)
    if not (published_match and summary_match and kind_match):
        raise ValueError(f"{path}: not an entry written by bench.synthetic")
    kind = kind_match.group(1)
    revised = dt.date.fromisoformat(published_match.group(1)) + dt.timedelta(days=1)
    rng = random.Random(f"{path.stem}:{revised.isoformat()}")

    old_summary = json.loads(summary_match.group(1))
    first = re.split(r"(?<=\.)\s+(?=[A-Z])", old_summary, maxsplit=1)[0]
    finding = _fill(rng.choice(EDIT_FINDINGS[kind]), rng)
    summary = f"{first} A follow-up review on {_long_date(revised)} {finding}."
    head = head.replace(summary_match.group(0), f"summary: {_q(summary)}", 1)
    head = head.replace(published_match.group(0), f"published: {revised.isoformat()}", 1)

    heading = EDITED_HEADING[kind]
    parts = re.split(r"^## (.+)\n", body, flags=re.M)
    sections = [(parts[i], parts[i + 1].strip("\n")) for i in range(1, len(parts), 2)]
    update = f"Updated {_long_date(revised)} after a follow-up review. {_compose(SECTION_SLOTS[heading], rng)}"
    sections = [(h, _wrap(update) if h == heading else t) for h, t in sections]
    if heading not in (h for h, _ in sections):
        sections.append((heading, _wrap(update)))
    path.write_text(f"---\n{head}\n---\n" + "\n\n".join(f"## {h}\n{t}" for h, t in sections) + "\n",
                    encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------
# Officers' questions


def queries(n: int, *, seed: int = 11) -> list[str]:
    """``n`` questions of the kind officers type into the assistant, distinct where possible."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        tactic = rng.choice(TACTICS)
        term = rng.choice(tactic.crimes)
        crime = rng.choice(OFFICER_TERMS.get(term, (term.replace("-", " "),)))
        places = WHERE[rng.choice(tactic.settings)]
        where = rng.choice(places) if places and rng.random() < 0.8 else ""
        plural = tactic.short.endswith("s") and not tactic.short.endswith("ss")
        text = rng.choice(QUERY_TEMPLATES).format(
            crime=crime, tactic=tactic.short, where=where,
            does="do" if plural else "does", is_="are" if plural else "is")
        text = re.sub(r"\s+", " ", text).replace(" ,", ",").replace(" ?", "?").strip()
        if rng.random() < 0.15:
            text = text[0].upper() + text[1:]
        if text in seen and len(seen) < n * 20:
            continue
        seen.add(text)
        out.append(text)
    return out


# ---------------------------------------------------------------------------------------
# Command line


def main(argv: Sequence[str] | None = None) -> int:
    """Write a synthetic base and print how many files it holds and how long it took."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.synthetic",
        description="Write a synthetic knowledge base for the search benchmark.",
        epilog="example: python -m bench.synthetic /tmp/syn10k 10000",
    )
    parser.add_argument("out_dir", type=Path, help="folder to write (must be empty or new)")
    parser.add_argument("n", type=int, help="number of entries")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--taxonomy", type=Path, default=DEFAULT_TAXONOMY, help="taxonomy file to use")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        ids = generate(args.out_dir, args.n, seed=args.seed, taxonomy_path=args.taxonomy)
    except (FileExistsError, ValueError) as error:
        parser.error(str(error))
    seconds = time.perf_counter() - started
    research = sum(1 for _ in (args.out_dir / "research").glob("*.md"))
    print(f"wrote {len(ids)} entries ({research} research, {len(ids) - research} practice) "
          f"to {args.out_dir} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
