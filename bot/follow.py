"""Following crime types and areas in Teams: ``follow``, ``following``, ``unfollow`` and
``follow updates``, and the messages that tell followers what changed.

``follow knife crime``, ``follow Stevenage`` and ``follow county lines in Watford`` read
crime types through the taxonomy (labels, synonyms and abbreviations) and the glossary of
officers' words, and areas from the force's districts (``DISTRICTS``) or ``Force-wide``.
Several at once multiply: ``follow burglary and robbery in Watford and Dacorum`` is four
topics. What someone follows is changed only in their personal chat with the bot.

Followers hear in one daily digest (08:00 UK time) by default; Hub staff, read from the
database, may choose each update as it happens with ``follow updates immediate``. A
follower's message shows each submission's reference, title (typed text, escaped, with
personal data masked), kind, area, crime types and status: never its description or
anyone's name. Nothing typed is logged.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from typing import Any, Sequence

from botbuilder.core import TurnContext

from bot.cards import adaptive_card, card_activity, imback
from bot.commands import Command, Recognised, normalise
from bot.features import Feature
from bot.notifications import NotificationService
from bot.text import plain
from dialogs.submission import CRIME_TYPE_SEPARATORS, FORCE_WIDE, crime_type_suggestions
from domain.models import NotificationStatus
from domain.ops.scheduler import Job, Outcome
from domain.portal.follows import (
    DIGEST_AT,
    MAX_TOPICS,
    NEW,
    NOW_KIND,
    FollowedChange,
    FollowNotAllowed,
    Follows,
    Topic,
)
from domain.portal.records import Status
from domain.users import UserInfo
from indexer.slang import Slang
from indexer.taxonomy import Taxonomy

__all__ = ["TopicReader", "TopicError", "Following", "following_feature", "describe"]

_USAGE = ("Type follow and a crime type, a district or both, for example: follow knife crime, follow Stevenage, "
          "or follow county lines in Watford.")
# Words and marks that join a crime type to an area, or topics to each other, and say
# nothing themselves; one at a time, so the pattern cannot backtrack on a long run of them.
_JOINING = r"(?:[\s,;&+/]|\b(?:in|across|around|covering|for|and|or|the|all|any)\b)"
_EDGES = re.compile(rf"^{_JOINING}+|{_JOINING}+$", re.IGNORECASE)
# "... in <somewhere>": the words after the last "in" name a place.
_PLACE = re.compile(r"\b(?:in|across|around|covering)\s+([^,;&+/]+?)\s*$", re.IGNORECASE)
_FORCE_WIDE_WORDS = ("force-wide", "force wide", "forcewide", "the whole force", "whole force", "everywhere")
_EVERYTHING = frozenset({"all", "everything", "all topics", "every topic"})
_IMMEDIATE = frozenset({"immediate", "immediately", "now", "as they happen", "instant", "live"})
_DAILY = frozenset({"daily", "digest", "daily digest", "once a day", "day"})


class TopicError(ValueError):
    """The words name no crime type or district; the message says what to type instead."""


class TopicReader:
    """Reads topics from what an officer typed after ``follow`` or ``unfollow``.

    Args:
        taxonomy: the crime types, with their labels and synonyms.
        slang: officers' everyday words, tried when the taxonomy knows none of the words.
        districts: the force's districts (``DISTRICTS``).
    """

    def __init__(self, taxonomy: Taxonomy, slang: Slang, districts: Sequence[str]) -> None:
        self.taxonomy = taxonomy
        self.slang = slang
        self.districts = tuple(districts)
        self._areas = {district.lower(): district for district in (*districts, FORCE_WIDE)}
        self._areas.update({word: FORCE_WIDE for word in _FORCE_WIDE_WORDS})
        names = sorted(self._areas, key=len, reverse=True)
        self._area = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, names)) + r")(?![\w-])", re.IGNORECASE)

    def read(self, text: str) -> list[Topic]:
        """The topics ``text`` names, in the order typed.

        Raises:
            TopicError: nothing is named, or some words name neither a crime type nor a district.
        """
        text = " ".join(text.split())[:300]
        place = _PLACE.search(text)
        if place and not self._area.search(place[1]) and not self.taxonomy.mentions(place[1]):
            raise TopicError(f"I don't know {plain(place[1], limit=60)} as a district. Districts: "
                             f"{', '.join(self.districts)}, or {FORCE_WIDE}. {_USAGE}")
        areas = list(dict.fromkeys(self._areas[m.group(1).lower()] for m in self._area.finditer(text)))
        rest = _EDGES.sub("", self._area.sub(" , ", text)).strip()
        crime_types: list[str] = []
        if rest:
            unknown = []
            for part in (p.strip() for p in CRIME_TYPE_SEPARATORS.split(rest)):
                part = _EDGES.sub("", part)
                if not part:
                    continue
                found = self.taxonomy.mentions(part) or self.taxonomy.mentions(self.slang.rewrite(part))
                if found:
                    crime_types.extend(found)
                else:
                    unknown.append(part)
            if unknown:
                suggestions = crime_type_suggestions(self.taxonomy, unknown)
                hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
                raise TopicError(f"I don't know {plain(unknown[0], limit=60)} as a crime type or a district.{hint} "
                                 f"Districts: {', '.join(self.districts)}, or {FORCE_WIDE}. {_USAGE}")
        if not crime_types and not areas:
            raise TopicError(_USAGE)
        return [Topic(crime_type, area) for crime_type, area in
                itertools.product(dict.fromkeys(crime_types) or [""], areas or [""])]


def describe(topic: Topic, taxonomy: Taxonomy) -> str:
    """A topic as officers read it: "Knife crime in Stevenage", "Knife crime", "Stevenage"."""
    what = taxonomy.label(topic.crime_type) if topic.crime_type in taxonomy else topic.crime_type
    if what and topic.area:
        return f"{what} in {topic.area}" if topic.area != FORCE_WIDE else f"{what}, force-wide submissions"
    return what or (f"{topic.area} (every crime type)" if topic.area != FORCE_WIDE else "Force-wide submissions")


def _listed(topics: Sequence[Topic], taxonomy: Taxonomy) -> str:
    return "; ".join(describe(topic, taxonomy) for topic in topics)


class Following:
    """What the follow commands do, and the messages that tell followers.

    Args:
        follows: who follows what, and the changes to tell them.
        reader: reads typed topics.
        notifications: sends the digests and updates.
    """

    def __init__(self, follows: Follows, reader: TopicReader, notifications: NotificationService) -> None:
        self.follows = follows
        self.reader = reader
        self.notifications = notifications

    @property
    def _when(self) -> str:
        return f"{self.follows.digest_at:%H:%M}"

    def _delivery(self, immediate: bool) -> str:
        if immediate:
            return "You hear of each update as it happens (type follow updates daily for one digest a day)."
        return f"Updates come in one digest a day, at {self._when} UK time, on days with something new."

    async def on_follow(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``follow knife crime in Stevenage``: follow a crime type, an area, or both."""
        try:
            topics = self.reader.read(recognised.argument)
        except TopicError as error:
            await turn_context.send_activity(f"{error} Nothing was changed.")
            return
        added, total = await asyncio.to_thread(self.follows.follow, user.aad_object_id, topics)
        following = await asyncio.to_thread(self.follows.following, user.aad_object_id)
        taxonomy = self.reader.taxonomy
        if not added:
            full = total >= MAX_TOPICS and any(topic not in following.topics for topic in topics)
            await turn_context.send_activity(
                f"You can follow up to {MAX_TOPICS} topics, and you follow {total}: type unfollow and a topic first."
                if full else f"You already follow {_listed(topics, taxonomy)}. Type following to see everything "
                             "you follow.")
            return
        left_out = [topic for topic in topics if topic not in added and topic not in following.topics]
        extra = (f" I could not add {_listed(left_out, taxonomy)}: you can follow up to {MAX_TOPICS} topics."
                 if left_out else "")
        await turn_context.send_activity(
            f"Done. You now follow {_listed(added, taxonomy)}. I'll tell you when a submission about it arrives, or "
            f"one moves to response or is closed: its title, kind, area, crime types and status. "
            f"{self._delivery(following.immediate)}{extra} Type unfollow and the same words to stop.")

    async def on_following(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``following``: what the officer follows and how they hear of it."""
        following = await asyncio.to_thread(self.follows.following, user.aad_object_id)
        if not following.topics:
            await turn_context.send_activity(f"You don't follow any crime type or district yet. {_USAGE}")
            return
        lines = [f"- {describe(topic, self.reader.taxonomy)}" for topic in following.topics]
        extra = ("" if following.immediate or not user.is_hub
                 else " As Hub staff you can hear of each update as it happens: type follow updates immediate.")
        await turn_context.send_activity(
            f"You follow {len(lines)} {'topic' if len(lines) == 1 else 'topics'}:\n\n" + "\n".join(lines)
            + f"\n\n{self._delivery(following.immediate)}{extra} Type unfollow and a topic to stop following it, "
              "or unfollow all.")

    async def on_unfollow(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``unfollow knife crime``, or ``unfollow all``."""
        argument = normalise(recognised.argument)
        topics: list[Topic] | None = None
        if argument not in _EVERYTHING:
            try:
                topics = self.reader.read(recognised.argument)
            except TopicError as error:
                await turn_context.send_activity(f"{error} Type unfollow all to stop following everything. "
                                                 "Nothing was changed.")
                return
        gone = await asyncio.to_thread(self.follows.unfollow, user.aad_object_id, topics)
        following = await asyncio.to_thread(self.follows.following, user.aad_object_id)
        still = f" You still follow {_listed(following.topics, self.reader.taxonomy)}." if following.topics else ""
        if not gone:
            await turn_context.send_activity(
                (f"You don't follow {_listed(topics, self.reader.taxonomy)}, so nothing changed." if topics
                 else "You don't follow anything, so nothing changed.") + still)
            return
        await turn_context.send_activity(
            f"Done. You no longer follow {_listed(gone, self.reader.taxonomy)}, and updates about "
            f"{'it' if len(gone) == 1 else 'them'} that I had not sent yet are dropped.{still}")

    async def on_updates(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``follow updates immediate`` (Hub staff) or ``follow updates daily``."""
        argument = normalise(recognised.argument)
        if argument not in _IMMEDIATE | _DAILY:
            following = await asyncio.to_thread(self.follows.following, user.aad_object_id)
            await turn_context.send_activity(
                f"{self._delivery(following.immediate)} Type follow updates daily, or, for Hub staff, "
                "follow updates immediate.")
            return
        try:
            await asyncio.to_thread(self.follows.set_immediate, user.aad_object_id, argument in _IMMEDIATE)
        except FollowNotAllowed:
            await turn_context.send_activity(
                f"Updates as they happen are for Hub staff, so nothing was changed. {self._delivery(False)}")
            return
        await turn_context.send_activity(f"Done. {self._delivery(argument in _IMMEDIATE)}")

    # --- telling followers -----------------------------------------------------------------

    async def handle(self, job: Job) -> Outcome:
        """Send a follower's digest or update: the changes taken under the job's key."""
        changes = await asyncio.to_thread(self.follows.take, job.aad_object_id, job.dedupe_key)
        if not changes:
            return Outcome.SKIPPED  # told in an earlier message, or unfollowed since
        status = await self.notifications.notify(
            job.aad_object_id, self.message(changes, digest=job.kind != NOW_KIND), kind=job.kind,
            dedupe_key=job.dedupe_key)
        if status in (NotificationStatus.UNREACHABLE, NotificationStatus.FAILED):
            return Outcome.GIVE_UP
        return Outcome.DONE

    def message(self, changes: Sequence[FollowedChange], *, digest: bool) -> Any:
        """The card telling a follower of ``changes``: for each, what happened, the reference
        and title, and its kind, area, crime types and status."""
        taxonomy = self.reader.taxonomy
        count = len(changes)
        heading = (f"Your daily digest: {count} {'update' if count == 1 else 'updates'} on what you follow"
                   if digest else "An update on what you follow")
        body: list[dict[str, Any]] = [
            {"type": "TextBlock", "text": heading, "weight": "Bolder", "size": "Medium", "wrap": True}]
        lines = []
        for change in changes:
            what = "New submission" if change.event == NEW else f"Moved to {Status(change.event).label.lower()}"
            crimes = ", ".join(taxonomy.label(c) if c in taxonomy else c for c in change.crime_types)
            facts = (f"{change.kind.label} · {plain(change.area, limit=60)} · {crimes or 'Not crime specific'}"
                     f" · Status: {change.status.label}")
            title = f"{what}: {change.reference} {plain(change.title, limit=120)}"
            body += [{"type": "TextBlock", "text": title, "weight": "Bolder", "wrap": True, "spacing": "Medium"},
                     {"type": "TextBlock", "text": facts, "isSubtle": True, "wrap": True, "spacing": "None"}]
            lines.append(f"{title} ({facts})")
        body.append({"type": "TextBlock", "wrap": True, "isSubtle": True, "spacing": "Medium",
                     "text": "You get this because you follow these topics. The Hub has the details; "
                             "type following to see what you follow, or unfollow to stop."})
        card = adaptive_card(body, f"{heading}. " + " ".join(lines), [imback("What I follow", "following")])
        return card_activity(card, text=heading)


def following_feature(following: Following) -> Feature:
    """The follow commands (personal chat only: they change what someone follows)."""
    return Feature(commands=(
        Command("follow", following.on_follow, phrases=("follow",), prefixes=("follow",),
                takes=lambda words: not re.match(r"(?i)(?:up|through|on from)\b", words),
                help="Hear of submissions about a crime type or district: follow knife crime in Stevenage"),
        Command("following", following.on_following, phrases=("following", "what i follow", "my follows"),
                help="The crime types and districts you follow"),
        Command("unfollow", following.on_unfollow, phrases=("unfollow",), prefixes=("unfollow",),
                help="Stop following a crime type or district: unfollow knife crime, or unfollow all"),
        Command("follow updates", following.on_updates, phrases=("follow updates",), prefixes=("follow updates",),
                help=f"A daily digest at {DIGEST_AT:%H:%M} (follow updates daily) or, for Hub staff, each update "
                     "as it happens (follow updates immediate)"),
    ))
