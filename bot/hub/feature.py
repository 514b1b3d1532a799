"""The Hub's part of the assistant: its commands (one table, each with its role), card
buttons and the catcher of submitters' replies, built from exactly what it uses."""

from __future__ import annotations

from typing import Any, Collection, Protocol

from bot.commands import Command
from bot.features import Feature
from bot.hub.arguments import takes_reference
from bot.hub.cards import VERB
from bot.hub.messages import HubMessages
from bot.hub.replies import Replies
from bot.hub.roles import ADMIN_ONLY, RoleCommands
from bot.hub.triage import REFUSAL, Hub
from bot.notifications import NotificationService
from bot.portal import Portal
from domain.audit import Audit
from domain.db import Database
from domain.hub.changes import HubChanges
from domain.hub.roles import Roles
from domain.hub import Triage
from domain.models import Role
from domain.portal import Submissions
from domain.settings import Settings
from domain.whatworks.knowledge import KnowledgeService
from indexer.taxonomy import Taxonomy

__all__ = ["hub_feature", "build_hub", "hub_of", "hub_commands", "HubServices", "REFUSAL", "ADMIN_ONLY"]


def hub_commands(hub: Hub, roles: RoleCommands) -> tuple[Command, ...]:
    """The Hub's commands: Hub staff's, then admins'. Words that only start like one ("ask
    the neighbours about it") and name no submission are not the command (``takes``)."""
    staff: dict[str, Any] = {"role": Role.HUB, "refusal": REFUSAL}
    admin: dict[str, Any] = {"role": Role.ADMIN, "refusal": ADMIN_ONLY}
    return (
        Command("queue", hub.on_queue, phrases=("queue", "triage"),
                help="Submissions awaiting triage, oldest first", menu="Hub staff: submissions awaiting triage",
                **staff),
        Command("open", hub.on_open, phrases=("open",), prefixes=("open",), takes=takes_reference,
                help="A submission with its history, similar ones and evidence, and buttons to act: "
                     "open PF-2026-0042", **staff),
        Command("change status", hub.on_change_status, phrases=("change status", "set status"),
                prefixes=("change status", "set status"),
                help="Move it on; the submitter is told: change status PF-2026-0042 to triaged: note", **staff),
        Command("assign", hub.on_assign, phrases=("assign",), prefixes=("assign",), takes=takes_reference,
                help="Assign it to a name, me or nobody: assign PF-2026-0042 me", **staff),
        Command("merge", hub.on_merge, phrases=("merge",), prefixes=("merge",), takes=takes_reference,
                help="Join a duplicate to its original: merge PF-2026-0043 into PF-2026-0042", **staff),
        Command("ask", hub.on_ask, prefixes=("ask",), takes=takes_reference,
                help="Ask the submitter for more information: ask PF-2026-0042 question", **staff),
        Command("roles", roles.on_roles, phrases=("roles",), help="For admins: who has which role", **admin),
        Command("grant", roles.on_grant, phrases=("grant",), prefixes=("grant",),
                help="For admins: grant hub @person, or grant admin @person (an @mention or their object id)",
                **admin),
        Command("revoke", roles.on_revoke, phrases=("revoke",), prefixes=("revoke",),
                help="For admins: revoke @person (an @mention or their object id), who becomes an officer again",
                **admin),
    )


def build_hub(
    *,
    database: Database,
    submissions: Submissions,
    taxonomy: Taxonomy,
    knowledge: KnowledgeService,
    notifications: NotificationService,
    bootstrap_admins: Collection[str],
) -> Feature:
    """The Hub's part of the assistant from exactly what it uses: its commands, card buttons
    and reply catcher."""
    hub = hub_of(database=database, submissions=submissions, taxonomy=taxonomy, knowledge=knowledge,
                 notifications=notifications)
    return Feature(
        commands=hub_commands(hub, RoleCommands(hub.roles, notifications, bootstrap_admins)),
        card_actions={VERB: hub.on_card_action},
        executes={VERB: hub.on_execute},
        interceptors=[Replies(hub.triage, hub.changes, notifications).intercept],
    )


def hub_of(
    *,
    database: Database,
    submissions: Submissions,
    taxonomy: Taxonomy,
    knowledge: KnowledgeService,
    notifications: NotificationService,
) -> Hub:
    """The Hub's reads and changes of submissions, as the chat and the Hub workspace share them."""
    audit, messages = Audit(database), HubMessages()
    return Hub(
        triage=Triage(database, submissions, audit), changes=HubChanges(database, submissions, audit, notices=messages),
        roles=Roles(database, audit, notices=messages), submissions=submissions, taxonomy=taxonomy,
        knowledge=knowledge, notifications=notifications,
    )


class HubServices(Protocol):
    """What the Hub takes from the app's services."""

    @property
    def settings(self) -> Settings: ...
    @property
    def database(self) -> Database: ...
    @property
    def portal(self) -> Portal: ...
    @property
    def knowledge(self) -> KnowledgeService: ...
    @property
    def notifications(self) -> NotificationService: ...


def hub_feature(services: HubServices) -> Feature:
    """The Hub's part of the assistant, built from the app's services."""
    return build_hub(
        database=services.database, submissions=services.portal.submissions, taxonomy=services.portal.taxonomy,
        knowledge=services.knowledge, notifications=services.notifications,
        bootstrap_admins=services.settings.bootstrap_admins,
    )
