"""What the Academy asks: the self-assessment statements and their scale, Gibbs' reflective
cycle for the journal, de Bono's six thinking hats and the SARA stages of an action plan."""

from __future__ import annotations

__all__ = ["ITEMS", "ITEM_NAMES", "SCALE", "GIBBS", "HATS", "STAGES", "STAGE_KEYS", "STAGE_TITLES"]

# The self-assessment: the same statements before and after the course, scored 1-5.
ITEMS: tuple[tuple[str, str], ...] = (
    ("sara", "I can solve a local problem with the SARA model (scanning, analysis, response, assessment)."),
    ("evidence", "I look for evidence of what works and use it in my decisions."),
    ("partnership", "I work well with partner agencies to prevent harm."),
    ("new_approaches", "I feel confident trying new approaches to prevention."),
    ("reflection", "I reflect on my practice regularly and learn from it."),
    ("coaching", "I am confident coaching colleagues to solve problems."),
    ("ndm", "I use the National Decision Model to make and explain my decisions."),
)
# The self-assessment statements by their short names (PRODUCT.md's), for summaries and the board.
ITEM_NAMES: dict[str, str] = {
    "sara": "Problem solving with SARA",
    "evidence": "Evidence-based policing",
    "partnership": "Partnership working",
    "new_approaches": "Confidence to try new approaches",
    "reflection": "Reflective practice",
    "coaching": "Coaching",
    "ndm": "The National Decision Model",
}
SCALE: dict[int, str] = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}

# Gibbs' reflective cycle: (key, question, example). Analysis and conclusion are one step.
GIBBS: tuple[tuple[str, str, str], ...] = (
    ("description", "What happened?",
     "e.g. I went to a third call this month about youths gathering at the skate park."),
    ("feelings", "What were you thinking and feeling?",
     "e.g. Frustrated at first; then curious why it keeps happening on Fridays."),
    ("evaluation", "What went well, and what went badly?",
     "e.g. The youths talked to me; the caller felt nobody had listened before."),
    ("analysis", "What did you learn, and what would you do differently?",
     "e.g. The calls follow the youth club closing early; I would ask the council first."),
    ("action", "What will you do next?",
     "e.g. Speak to the youth club manager about Friday opening this week."),
)

# De Bono's six thinking hats, blue twice: (key, colour, what the hat is for, example).
HATS: tuple[tuple[str, str, str, str], ...] = (
    ("blue_focus", "Blue", "Focus: what are you thinking about, and what do you want from it?",
     "e.g. How can we cut repeat calls to the retail park?"),
    ("white", "White", "Facts: what do you know, and what do you still need to find out?",
     "e.g. 40 calls since May, most between 3pm and 6pm; we don't know which shops report."),
    ("red", "Red", "Feelings: your gut reaction, with no need to justify it.",
     "e.g. Uneasy: the same two shops call and nothing changes."),
    ("black", "Black", "Cautions: what could go wrong, and the risks.",
     "e.g. Shops may not share CCTV quickly enough to act on it."),
    ("yellow", "Yellow", "Benefits: what is good about it, and why it could work.",
     "e.g. The store managers are keen to work with us."),
    ("green", "Green", "Ideas: alternatives and new possibilities.",
     "e.g. A shared radio scheme between the stores."),
    ("blue_decisions", "Blue", "Decisions: what you have decided, and the next steps.",
     "e.g. Meet the retail park manager next week and propose the radio scheme."),
)

# The SARA stages of an action plan: (key, title, ((field, question), ...)).
# ``cited_entries`` is a list of knowledge entry ids and may be empty; every other field
# needs an answer.
STAGES: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("scanning", "Scanning", (
        ("description", "What is the problem: what happens, where, when and to whom?"),
    )),
    ("analysis", "Analysis", (
        ("victim", "Victim: who is harmed, and what makes them vulnerable?"),
        ("offender", "Offender: who causes the harm, and what draws them to it?"),
        ("location", "Location: where does it happen, and what about the place allows it?"),
    )),
    ("response", "Response", (
        ("response", "What will you do, with whom, and why should it work?"),
        ("cited_entries", "Which knowledge entries support it?"),
    )),
    ("assessment", "Assessment", (
        ("measures", "How will you measure whether it worked?"),
    )),
)
STAGE_KEYS: tuple[str, ...] = tuple(key for key, _, _ in STAGES)
STAGE_TITLES: dict[str, str] = {key: title for key, title, _ in STAGES}
