"""``create_app(settings)``: builds the whole assistant; the server and the tests call it."""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Callable, Mapping, Sequence

from http import HTTPStatus

from aiohttp import web
from botbuilder.core import ConversationState, InvokeResponse, Middleware, TurnContext, UserState
from botbuilder.dialogs import Dialog, DialogSet
from botbuilder.schema import DeliveryModes
from botbuilder.integration.aiohttp import CloudAdapter

from bot.clients import CachingAuthentication, serialize_replies
from bot.commands import Command
from bot.core import core_feature
from bot.endpoint import MAX_BODY_BYTES, MessagesEndpoint
from bot.errors import make_turn_error_handler
from bot.features import Feature
from bot.files import FileOffers
from bot.follow import Following, TopicReader, following_feature
from bot.handler import PreventionFirstBot
from bot.looplag import LOOP_LAG, LoopLagProbe
from bot.middleware import DIALOG_IDLE_LIMIT, BotMention, IdleDialog, RecordUser, RepeatedDelivery, SaveState, TurnLock
from bot.notifications import NotificationService
from bot.academy.prompts import ACTION as JOURNAL_ACTION
from bot.academy.commands import academy_feature
from bot.hub.board import board_feature
from bot.hub.feature import hub_feature
from bot.hub.knowledge import knowledge_feature
from bot.hub.subject_access import subject_access_feature
from bot.academy.prompts import AcademyService, Export
from bot.portal import HubChannel, Portal
from domain.settings import Settings
from bot.signing_keys import channel_metadata_url
from bot.tab import add_hub_workspace
from bot.storage import SqlAlchemyStorage, TurnConversationState, TurnUserState
from bot.whatworks import ACTION as WHAT_WORKS_ACTION
from bot.search_extension import SearchExtension
from bot.whatworks import WhatWorks
from dialogs.journal import JournalDialog
from dialogs.submission import SubmissionDialog
from domain.academy import Academy
from domain.audit import Audit
from domain.db import Database
from domain.drafts import Drafts
from domain.portal import Submissions
from domain.portal.follows import DIGEST_KIND, NOW_KIND, Follows
from domain.whatworks.searchlog import SearchLog
from domain.ops.background import Background, by_kind, instance_name
from domain.ops.retention import SWEEP_EVERY, IdleDialogSweep, Retention
from domain.ops.scheduler import Jobs, Scheduler, SchedulerLoop
from domain.whatworks.knowledge import KnowledgeService
from domain.users import Users
from indexer.slang import Slang, slang_path
from indexer.taxonomy import Taxonomy, taxonomy_path

__all__ = ["create_app", "Services", "SERVICES", "IDLE_SWEEP", "Feature", "FEATURES"]

log = logging.getLogger(__name__)

SERVICES: web.AppKey["Services"] = web.AppKey("services")
# Closes the dialogs of conversations idle for one sweep interval short of DIALOG_IDLE_LIMIT,
# every interval: an answer awaiting the officer's decision is gone within the idle limit.
IDLE_SWEEP: web.AppKey[IdleDialogSweep] = web.AppKey("idle_sweep")


@dataclass
class Services:
    """Everything the app built, for the server's background jobs and for tests."""

    settings: Settings
    database: Database
    adapter: CloudAdapter
    bot: PreventionFirstBot
    users: Users
    notifications: NotificationService
    conversation_state: ConversationState
    user_state: UserState
    knowledge: KnowledgeService
    search_log: SearchLog
    portal: Portal
    files: FileOffers
    academy: AcademyService
    following: Following
    scheduler: Scheduler
    background: Background
    started_at: float
    # The per-turn middleware on the adapter, outermost first (a test adapter registers the same).
    middleware: list[Middleware] = field(default_factory=list)


def _academy(services: "Services") -> Feature:
    return academy_feature(services.academy.academy, Drafts(services.database), services.knowledge,
                           services.portal.submissions, services.academy.settings)


def _board(services: "Services") -> Feature:
    return board_feature(services.database, services.users, services.files)


def _knowledge(services: "Services") -> Feature:
    return knowledge_feature(services.settings, services.knowledge, services.search_log, Audit(services.database))


def _subject_access(services: "Services") -> Feature:
    return subject_access_feature(services.database, services.files)


def _following(services: "Services") -> Feature:
    return following_feature(services.following)


# The parts registered in every app, in order (the Teams menu lists their commands in this
# order); create_app(features=...) adds more.
FEATURES: list[Callable[["Services"], Feature]] = [
    _academy, _following, hub_feature, _board, _knowledge, _subject_access,
]


class Adapter(CloudAdapter):
    """The SDK's CloudAdapter, answering expectReplies without msrest walking the cards."""

    def _process_turn_results(self, context: TurnContext) -> InvokeResponse | None:
        if context.activity.delivery_mode == DeliveryModes.expect_replies:
            return InvokeResponse(status=HTTPStatus.OK, body=serialize_replies(context.buffered_reply_activities))
        return super()._process_turn_results(context)


def _auth_configuration(settings: Settings) -> SimpleNamespace:
    return SimpleNamespace(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password,
        APP_TYPE=settings.app_type,
        APP_TENANTID=settings.app_tenant_id,
    )


def create_app(
    settings: Settings,
    *,
    dialogs: Mapping[str, Callable[["Services"], Dialog]] | None = None,
    commands: Sequence[Command] = (),
    features: Sequence[Callable[["Services"], Feature]] = (),
    migrate: bool = True,
) -> web.Application:
    """Build the aiohttp application with every collaborator wired.

    Args:
        settings: the configuration.
        dialogs: extra guided dialogs by the command that starts them, each built from the
            services (journeys register theirs here).
        commands: extra commands (one of a name already known replaces it).
        features: parts to add to the built-in ones (``FEATURES``), each built from the services.
        migrate: bring the database schema up to date first.
    """
    database = Database(settings.database_url)
    if migrate:
        database.migrate()
    storage = SqlAlchemyStorage(database)
    conversation_state = TurnConversationState(storage)
    user_state = TurnUserState(storage)
    users = Users(database, settings.bootstrap_admins)

    adapter = Adapter(CachingAuthentication(_auth_configuration(settings)))
    adapter.on_turn_error = make_turn_error_handler(conversation_state)
    notifications = NotificationService(adapter, database, users, settings.app_id)

    knowledge = KnowledgeService(
        settings.index_dir, model=settings.embedding_model, model_cache_dir=settings.model_cache_dir,
        query_precision=settings.query_precision,
        poll_seconds=settings.index_poll_seconds,
    )
    search_log = SearchLog(database)
    what_works = WhatWorks(knowledge, search_log)
    taxonomy = Taxonomy.load(
        taxonomy_path(settings.knowledge_dir, settings.knowledge_dir.parent / "taxonomy.yaml")
    )
    hub_channel = (
        HubChannel(adapter, settings.hub_channel_id, settings.hub_service_url, settings.app_id)
        if settings.hub_channel_id else None
    )
    follows = Follows(database)
    portal = Portal(Submissions(database, follows=follows), knowledge, notifications, users, taxonomy, hub_channel)
    drafts = Drafts(database)
    academy = AcademyService(
        Academy(database), Jobs(database), notifications,
        prompt_at=settings.journal_prompt_time, days_after=settings.journal_days_after,
    )
    files = FileOffers()
    export = Export(academy.academy, files)
    slang = Slang.load(slang_path(settings.knowledge_dir, settings.knowledge_dir.parent / "slang.yaml"))
    following = Following(follows, TopicReader(taxonomy, slang, settings.districts), notifications)
    handler = by_kind({DIGEST_KIND: following.handle, NOW_KIND: following.handle}, academy.handle)
    scheduler = Scheduler(database, handler, instance=instance_name())
    background = Background(
        SchedulerLoop(scheduler, settings.scheduler_seconds), academy, notifications, settings.scheduler_seconds,
        retention=lambda now: Retention.of(settings.retention).run(database, now),
    )
    services = Services(
        settings=settings,
        database=database,
        adapter=adapter,
        bot=None,  # type: ignore[arg-type]  # set below: dialogs may need the other services
        users=users,
        notifications=notifications,
        conversation_state=conversation_state,
        user_state=user_state,
        knowledge=knowledge,
        search_log=search_log,
        portal=portal,
        files=files,
        academy=academy,
        following=following,
        scheduler=scheduler,
        background=background,
        started_at=time.monotonic(),
    )
    core = core_feature(
        submit=SubmissionDialog(portal, drafts, taxonomy, settings.districts),
        journal=JournalDialog(academy.academy, drafts),
        what_works=what_works.on_question, more=what_works.on_more, my_submissions=portal.on_my_submissions, status=portal.on_status,
        my_journal=academy.on_my_journal, export=export.on_command,
    )
    parts = [core, *(build(services) for build in (*FEATURES, *features))]
    dialog_set = DialogSet(conversation_state.create_property("dialog_state"))
    # Outermost first: the lock covers loading and saving state; the user is known before
    # a repeat is looked for, and a repeat is dropped before an idle dialog is closed. The
    # bot's own mention goes first, before anything reads the text.
    services.middleware = [
        BotMention(),
        TurnLock(),
        SaveState(conversation_state, user_state),
        RecordUser(users),
        RepeatedDelivery(conversation_state, dialog_set),
        IdleDialog(conversation_state, dialog_set),
    ]
    for each in services.middleware:
        adapter.use(each)  # one at a time: MiddlewareSet.use registers only its first argument
    services.bot = PreventionFirstBot(
        conversation_state=conversation_state,
        dialogs=dialog_set,
        starts={
            **{command: dialog for part in parts for command, dialog in part.dialogs.items()},
            **{command: build(services) for command, build in (dialogs or {}).items()},
        },
        commands=[*(command for part in parts for command in part.commands), *commands],
        fallback=what_works.on_question,
        card_actions={
            WHAT_WORKS_ACTION: what_works.on_card_action, JOURNAL_ACTION: academy.on_card_action,
            **{name: handler for part in parts for name, handler in part.card_actions.items()},
        },
        executes={verb: handler for part in parts for verb, handler in part.executes.items()},
        interceptors=[intercept for part in parts for intercept in part.interceptors],
        file_consent=files.on_file_consent,
        search=SearchExtension(knowledge, search_log),
    )

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SERVICES] = services
    app[IDLE_SWEEP] = IdleDialogSweep(database, DIALOG_IDLE_LIMIT - SWEEP_EVERY)
    app[LOOP_LAG] = LoopLagProbe()
    app.router.add_post(
        "/api/messages",
        MessagesEndpoint(adapter, services.bot, settings.tenants, settings.turns_at_once).handle
    )
    app.router.add_get("/healthz", _health)
    add_hub_workspace(app, services)
    app.on_startup.append(_start)
    app.on_cleanup.append(_close)
    if not settings.auth_enabled:
        log.warning("MicrosoftAppId is not set: authentication is off; listening on loopback only")
    elif settings.any_tenant:
        log.warning("ALLOWED_TENANT_IDS is *: people of any Microsoft 365 tenant can use the bot")
    elif not settings.allowed_tenant_ids:
        log.error("ALLOWED_TENANT_IDS names no tenant: every activity will be refused")
    return app


async def _health(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    database_ok = await asyncio.to_thread(services.database.ping)
    body = {
        "status": "ok" if database_ok else "degraded",
        "database": "reachable" if database_ok else "unreachable",
        "index": services.knowledge.info(),
        "uptime_seconds": round(time.monotonic() - services.started_at, 1),
        "worst_loop_stall_ms": round(request.app[LOOP_LAG].worst_ms, 1),
    }
    return web.json_response(body, status=200 if database_ok else 503)


async def _start(app: web.Application) -> None:
    settings = app[SERVICES].settings
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(settings.worker_threads, thread_name_prefix="worker"))
    app[LOOP_LAG].start()
    authentication = app[SERVICES].adapter.bot_framework_authentication
    if app[SERVICES].settings.auth_enabled and isinstance(authentication, CachingAuthentication):
        # Fetched in a worker thread; if the key service is down the app starts all the same.
        await authentication.signing_keys.start([channel_metadata_url()])
    await app[SERVICES].knowledge.start()
    app[SERVICES].background.start()
    app[IDLE_SWEEP].start()
    # Loading the index stalls the loop once, before anyone is served (logged above 100 ms);
    # /healthz reports the worst stall while serving.
    app[LOOP_LAG].reset()


async def _close(app: web.Application) -> None:
    await app[LOOP_LAG].stop()
    authentication = app[SERVICES].adapter.bot_framework_authentication
    if isinstance(authentication, CachingAuthentication):
        await authentication.signing_keys.stop()
    await app[IDLE_SWEEP].stop()
    await app[SERVICES].background.stop()  # the sends in flight finish or stop first
    await app[SERVICES].knowledge.stop()
    if isinstance(authentication, CachingAuthentication):
        await authentication.transport.close()
    app[SERVICES].database.dispose()
