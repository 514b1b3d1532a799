"""Adaptive Cards (schema 1.5, Teams' limit) for the conversation's fixed messages.

Every card has a ``fallbackText`` and every button is an ``imBack``: pressing it sends its
title as if the user had typed it, so typed commands and buttons take the same path.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity

__all__ = ["adaptive_card", "card_activity", "imback", "welcome_card", "help_activity", "JOBS"]

CARD_VERSION = "1.5"

# (button title, command it sends, one-line description)
JOBS: tuple[tuple[str, str, str], ...] = (
    ("What works", "what works", "Ask what the evidence says works for a crime problem."),
    ("Submit to the Hub", "submit", "Send an idea, initiative or operational problem to the Prevention First Hub."),
    ("Academy", "academy", "Keep your reflective journal, six-hats reflections and SARA action plan."),
    ("Hub tools", "hub", "For Hub staff: triage, knowledge and the board report."),
)


def adaptive_card(body: list[dict], fallback: str, actions: list[dict] | None = None) -> dict[str, Any]:
    """An Adaptive Card (1.5) with its plain-text fallback."""
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "fallbackText": fallback,
        "body": body,
        "actions": actions or [],
    }


def imback(title: str, value: str | None = None) -> dict[str, Any]:
    """A button that sends ``value`` (default: its title) as a typed message."""
    return {
        "type": "Action.Submit",
        "title": title,
        "data": {"msteams": {"type": "imBack", "value": value or title}},
    }


def card_activity(card: dict[str, Any], text: str | None = None) -> Activity:
    """Wrap a card in a message; ``text`` is shown above it and read by screen readers."""
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    if text:
        activity.text = text
    activity.summary = card.get("fallbackText")
    return activity


def welcome_card(name: str = "") -> dict[str, Any]:
    """The welcome and help card: what the assistant does, one button for each job."""
    greeting = f"Hello {name.split(' ')[0]}" if name else "Hello"
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "fallbackText": (
            "Prevention First assistant. Type: what works for <problem>, submit, "
            "my submissions, journal, six hats, action plan, or help."
        ),
        "body": [
            {"type": "TextBlock", "text": "Prevention First assistant", "weight": "Bolder", "size": "Large", "wrap": True},
            {
                "type": "TextBlock",
                "text": f"{greeting}. I help you prevent crime with the force's evidence Hub. I can:",
                "wrap": True,
            },
            {
                "type": "FactSet",
                "facts": [{"title": title, "value": description} for title, _, description in JOBS],
            },
            {
                "type": "TextBlock",
                "text": "Type a command or a question at any time, for example: what works for burglary. "
                "In a guided conversation you can type help, back or cancel.",
                "wrap": True,
                "isSubtle": True,
            },
        ],
        "actions": [imback(title, command) for title, command, _ in JOBS],
    }


def help_activity(name: str = "") -> Activity:
    """The help message: the welcome card with a one-line text for notifications."""
    return card_activity(welcome_card(name))
