r"""A loopback Discord (gateway + REST) that nextcord talks to unchanged.

Only ``nextcord.http.Route.BASE`` points at it (the ``fake_discord`` fixture sets it and
puts it back); the gateway URL comes from its ``GET /gateway``. It speaks the protocol
as nextcord uses it: HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats and RESUME over a
websocket with plain JSON frames; REST with rate-limit headers (so nextcord never falls
back to its one-request-a-second guess); interactions, their callbacks and follow-ups.
One fake at a time: ``Route.BASE`` is a class attribute.

Fixtures:

- ``fake_discord``: a started :class:`FakeDiscord` with one guild, a ``general`` and an
  ``announcements`` channel and a default user.
- ``discord_kernel``: ``kernel = await discord_kernel(plugins={"core"}, extra=..., **settings)``
  gives a started kernel whose Discord adapter is connected to ``fake_discord``, with its
  slash commands registered. ``serving(kernel)`` does the same for a kernel you built.

Driving it (every wait gives up after ``within`` seconds and says what it waited for)::

    answer = await fake.ask("!ping")                        # send as a user, wait for the reply
    answer = await fake.invoke_slash("stats", {"player": "vid"}, user=fake.user("bob"))
    page2 = await fake.click_button(answer, answer.button("Next"))
    choices = await fake.autocomplete("stats", {"player": "vi"}, focused="player")
    posted = await fake.wait_for_message(lambda m: m.channel_id == fake.announcements.id)
    fake.throttle("POST", r"/channels/\d+/messages", retry_after=0.3)   # the next one gets a 429
    await fake.disconnect()                                # the bot resumes (or identifies again)
    lobby = fake.add_voice_channel("lobby")                # a voice channel (before the bot connects)
    await fake.join_voice(fake.user("bob"), lobby)         # VOICE_STATE_UPDATE, or GUILD_CREATE's voice_states
    await fake.toggle_voice(fake.user("bob"), self_mute=True)
    await fake.leave_voice(fake.user("bob"))
    fake.direct_messages(fake.user("bob"))                 # what the bot sent bob privately
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import anyio
import pytest

try:
    import aiohttp
    from aiohttp import web
except ImportError:  # aiohttp comes with nextcord and slomix[dev]; the fixture says so when missing
    aiohttp = web = None  # type: ignore[assignment]

API = "/api/v10"
DISCORD_EPOCH_MS = 1420070400000
ALL_PERMISSIONS = str((1 << 41) - 1)
EPHEMERAL = 64

# Interaction and callback types (https://discord.com/developers/docs/interactions/receiving-and-responding).
SLASH, COMPONENT, AUTOCOMPLETE = 2, 3, 4
REPLY, DEFER, DEFER_UPDATE, UPDATE, CHOICES = 4, 5, 6, 7, 8
_OPTION_VALUE: dict[int, Callable[[Any], Any]] = {3: str, 4: int, 5: bool, 10: float}


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True, slots=True)
class FakeUser:
    id: int
    name: str
    bot: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "username": self.name, "global_name": self.name, "discriminator": "0",
                "avatar": None, "bot": self.bot, "flags": 0}

    def member(self) -> dict[str, Any]:
        return {"user": self.payload(), "roles": [], "joined_at": _now(), "deaf": False, "mute": False,
                "flags": 0, "nick": None, "avatar": None, "pending": False, "permissions": ALL_PERMISSIONS}


@dataclass(frozen=True, slots=True)
class FakeChannel:
    id: int
    name: str
    guild_id: int
    type: int = 0  # 0 text, 1 direct messages, 2 voice
    recipient: FakeUser | None = None  # of a direct-message channel

    def payload(self) -> dict[str, Any]:
        if self.recipient is not None:
            return {"id": str(self.id), "type": 1, "recipients": [self.recipient.payload()], "last_message_id": None}
        data = {"id": str(self.id), "type": self.type, "name": self.name, "guild_id": str(self.guild_id),
                "position": 0, "permission_overwrites": [], "nsfw": False, "topic": None, "parent_id": None,
                "rate_limit_per_user": 0, "last_message_id": None}
        if self.type == 2:
            data.update(bitrate=64000, user_limit=0, rtc_region=None)
        return data


@dataclass(slots=True)
class FakeAttachment:
    id: int
    filename: str
    data: bytes
    description: str | None = None

    def payload(self, base: str, channel_id: int) -> dict[str, Any]:
        url = f"{base}/attachments/{channel_id}/{self.id}/{self.filename}"
        return {"id": str(self.id), "filename": self.filename, "size": len(self.data), "url": url,
                "proxy_url": url, "description": self.description, "content_type": "application/octet-stream"}


@dataclass(slots=True)
class FakeMessage:
    """A message in the fake: what a user sent, or what the bot sent (its embeds, files, buttons)."""

    id: int
    channel_id: int
    author: FakeUser
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[FakeAttachment] = field(default_factory=list)
    flags: int = 0
    reference_id: int | None = None  # the message this one replies to
    interaction_id: int | None = None  # the interaction this one answers
    edits: int = 0

    @property
    def embed(self) -> dict[str, Any]:
        """The first embed (``{}`` when there is none)."""
        return self.embeds[0] if self.embeds else {}

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    def buttons(self) -> list[dict[str, Any]]:
        return [c for row in self.components for c in row.get("components", []) if c.get("type") == 2]

    def button(self, label: str) -> str:
        """The custom id of the button labelled ``label``."""
        for button in self.buttons():
            if button.get("label") == label:
                return button["custom_id"]
        raise KeyError(f"no button {label!r}; buttons: {[b.get('label') for b in self.buttons()]}")

    def payload(self, fake: FakeDiscord) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id), "channel_id": str(self.channel_id), "guild_id": str(fake.guild_id),
            "author": self.author.payload(), "content": self.content, "timestamp": _now(),
            "edited_timestamp": _now() if self.edits else None, "tts": False, "mention_everyone": False,
            "mentions": [], "mention_roles": [], "pinned": False, "flags": self.flags,
            "type": 19 if self.reference_id else 20 if self.interaction_id else 0,
            "attachments": [a.payload(fake.url, self.channel_id) for a in self.attachments],
            "embeds": self.embeds, "components": self.components,
        }
        if getattr(fake.channels.get(self.channel_id), "recipient", None) is not None:
            del data["guild_id"]  # a direct message belongs to no guild
        elif not self.author.bot:
            data["member"] = {k: v for k, v in self.author.member().items() if k != "user"}
        if self.reference_id:
            data["message_reference"] = {"message_id": str(self.reference_id), "channel_id": str(self.channel_id),
                                         "guild_id": str(fake.guild_id)}
        if self.interaction_id:
            data["webhook_id"] = data["application_id"] = str(fake.application_id)
        return data


@dataclass(slots=True)
class FakeInteraction:
    id: int
    token: str
    type: int
    channel_id: int
    message_id: int | None = None  # the message whose button was clicked
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    deferred_flags: int | None = None  # set by a deferred answer: the first follow-up becomes the answer
    answer_id: int | None = None  # the message that answers it


@dataclass(frozen=True, slots=True)
class RequestRecord:
    method: str
    path: str
    status: int
    at: float  # time.monotonic()


@dataclass(slots=True)
class _Session:
    id: str
    ws: Any = None
    seq: int = 0
    events: list[tuple[int, str, Any]] = field(default_factory=list)  # replayed on RESUME
    resumable: bool = True


@dataclass(slots=True)
class _Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    retry_after: float = 0.0


class FakeDiscord:
    """One guild, its channels and users, the bot's account, and everything the bot sent."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.token = "fake-" + secrets.token_urlsafe(24)
        self.application_id = self._id()
        self.bot_user = FakeUser(self.application_id, "slomix-bot", bot=True)
        self.guild_id = self._id()
        self.channels: dict[int, FakeChannel] = {}
        self.general = self.add_channel("general")
        self.announcements = self.add_channel("announcements")
        self.users: dict[str, FakeUser] = {}
        self.member = self.user("player")
        self.voice_states: dict[int, dict[str, Any]] = {}  # user id → voice state (in a channel)
        self.messages: dict[int, FakeMessage] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self.requests: list[RequestRecord] = []
        self.unhandled: list[str] = []  # REST calls the fake does not know (a test should look at these)
        self.attachment_downloads: list[str] = []  # attachment files fetched from the fake CDN
        self.identifies = 0
        self.resumes = 0
        self._commands: dict[tuple[int | None, str], dict[str, Any]] = {}
        self._session: _Session | None = None
        self._faults: list[_Fault] = []
        self._routes = self._route_table()
        self._changed = asyncio.Event()
        self._runner: Any = None
        self.url = ""

    # -- set-up ------------------------------------------------------------------------

    def _id(self) -> int:
        return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(self._ids) & 0x3FFFFF)

    def user(self, name: str) -> FakeUser:
        """The guild member called ``name`` (created on first use)."""
        if name not in self.users:
            self.users[name] = FakeUser(self._id(), name)
        return self.users[name]

    def add_channel(self, name: str) -> FakeChannel:
        channel = FakeChannel(self._id(), name, self.guild_id)
        self.channels[channel.id] = channel
        return channel

    def add_voice_channel(self, name: str) -> FakeChannel:
        channel = FakeChannel(self._id(), name, self.guild_id, type=2)
        self.channels[channel.id] = channel
        return channel

    def add_command(self, payload: dict[str, Any], guild_id: int | None = None) -> dict[str, Any]:
        """Register an application command as if an earlier run had (e.g. one this run no longer has)."""
        return self._upsert_command(guild_id, payload)[1]

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """``[adapters.discord]`` for a bot on this fake: announcements go to ``#announcements``,
        and nextcord does not wait its default 2 s for guilds that are already here."""
        return {"guild_ready_timeout": 0.05, "announce_channel_id": self.announcements.id, **overrides}

    async def start(self) -> None:
        if web is None:
            raise RuntimeError("fake_discord needs aiohttp (pip install 'slomix[dev]')")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{channel}/{attachment}/{filename}", self._attachment)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._session is not None and self._session.ws is not None:
            await self._session.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return self.url + API

    @property
    def gateway_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/gateway"

    # -- what the bot did ----------------------------------------------------------------

    def sent_messages(self, channel: FakeChannel | None = None) -> list[FakeMessage]:
        """What the bot posted (oldest first), in one channel or all."""
        return [m for m in self.messages.values()
                if m.author.bot and (channel is None or m.channel_id == channel.id)]

    def direct_messages(self, user: FakeUser) -> list[FakeMessage]:
        """What the bot sent ``user`` in direct messages (oldest first)."""
        return [m for m in self.sent_messages() if getattr(self.channels.get(m.channel_id), "recipient", None) == user]

    def commands(self, guild_id: int | None = None) -> dict[str, dict[str, Any]]:
        """The application commands registered globally (or in a guild), by name."""
        return {name: payload for (scope, name), payload in self._commands.items() if scope == guild_id}

    def calls(self, method: str, pattern: str) -> list[RequestRecord]:
        """REST calls whose path (after ``/api/v10``) matches the regular expression."""
        regex = re.compile(pattern)
        return [r for r in self.requests if r.method == method and regex.fullmatch(r.path)]

    async def wait_for_message(self, predicate: Callable[[FakeMessage], bool] | None = None, *,
                               within: float = 5.0) -> FakeMessage:
        """The first bot message, already sent or still to come, for which ``predicate`` is true."""
        return await self._until(
            lambda: next((m for m in self.sent_messages() if predicate is None or predicate(m)), None),
            within, "a bot message matching the predicate")

    async def _until(self, check: Callable[[], Any], within: float, what: str) -> Any:
        try:
            async with asyncio.timeout(within):
                while (found := check()) is None:
                    await self._changed.wait()
        except TimeoutError:
            sent = [(m.content, m.embed.get("title")) for m in self.sent_messages()][-5:]
            raise TimeoutError(f"no {what} within {within} s; the bot's last messages: {sent}; "
                               f"unhandled REST calls: {self.unhandled}") from None
        return found

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # -- acting as users -----------------------------------------------------------------

    async def send_message(self, content: str, *, author: FakeUser | None = None,
                           channel: FakeChannel | None = None,
                           attachments: list[tuple[str, bytes]] | None = None) -> FakeMessage:
        """A user writes in a channel (MESSAGE_CREATE on the gateway), with files attached if given
        (served from the fake's CDN URL, as Discord serves them)."""
        message = FakeMessage(self._id(), (channel or self.general).id, author or self.member, content,
                              attachments=[FakeAttachment(self._id(), name, data) for name, data in attachments or []])
        self.messages[message.id] = message
        await self._dispatch("MESSAGE_CREATE", message.payload(self))
        return message

    async def join_voice(self, user: FakeUser, channel: FakeChannel) -> None:
        """``user`` joins (or moves to) a voice channel: VOICE_STATE_UPDATE when the bot is connected,
        else part of the next GUILD_CREATE's ``voice_states``."""
        self.voice_states[user.id] = self._voice_state(user, channel.id)
        await self._voice_changed(user)

    async def leave_voice(self, user: FakeUser) -> None:
        """``user`` hangs up (VOICE_STATE_UPDATE with ``channel_id`` null)."""
        self.voice_states.pop(user.id, None)
        await self._voice_changed(user, left=True)

    async def toggle_voice(self, user: FakeUser, **flags: bool) -> None:
        """``user`` mutes, deafens, streams... (``self_mute=True``): Discord sends a VOICE_STATE_UPDATE."""
        state = self.voice_states[user.id]
        unknown = set(flags) - set(state)
        if unknown:
            raise KeyError(f"no voice flag {sorted(unknown)}")
        state.update(flags)
        await self._voice_changed(user)

    def _voice_state(self, user: FakeUser, channel_id: int) -> dict[str, Any]:
        return {"guild_id": str(self.guild_id), "channel_id": str(channel_id), "user_id": str(user.id),
                "member": user.member(), "session_id": secrets.token_hex(16), "deaf": False, "mute": False,
                "self_deaf": False, "self_mute": False, "self_stream": False, "self_video": False,
                "suppress": False, "request_to_speak_timestamp": None}

    async def _voice_changed(self, user: FakeUser, *, left: bool = False) -> None:
        if self._session is None:
            return  # the bot has not connected yet: it learns the state from GUILD_CREATE
        state = {**self._voice_state(user, 0), "channel_id": None} if left else self.voice_states[user.id]
        await self._dispatch("VOICE_STATE_UPDATE", state)

    async def _attachment(self, request: Any) -> Any:
        """The CDN: an attachment's bytes by channel, attachment id and file name."""
        message = next((m for m in self.messages.values() if str(m.channel_id) == request.match_info["channel"]
                        and any(str(a.id) == request.match_info["attachment"] for a in m.attachments)), None)
        found = next((a for a in message.attachments if str(a.id) == request.match_info["attachment"]), None) \
            if message else None
        if found is None or found.filename != request.match_info["filename"]:
            return web.Response(status=404)
        self.attachment_downloads.append(found.filename)
        return web.Response(body=found.data, content_type="application/octet-stream")

    async def ask(self, content: str, *, author: FakeUser | None = None, channel: FakeChannel | None = None,
                  within: float = 5.0, attachments: list[tuple[str, bytes]] | None = None) -> FakeMessage:
        """Send a message (with files attached, if given) and wait for the bot's reply to it."""
        asked = await self.send_message(content, author=author, channel=channel, attachments=attachments)
        return await self._until(
            lambda: next((m for m in self.sent_messages() if m.reference_id == asked.id), None),
            within, f"reply to {content!r}")

    async def invoke_slash(self, name: str, options: dict[str, Any] | None = None, *,
                           user: FakeUser | None = None, channel: FakeChannel | None = None,
                           within: float = 5.0) -> FakeMessage:
        """A user runs ``/name`` with options; returns the bot's answer."""
        interaction = await self._interact(SLASH, await self._command_data(name, options, None, within),
                                           user, channel)
        return await self._until(lambda: self.messages.get(interaction.answer_id or 0), within,
                                 f"answer to /{name}")

    async def autocomplete(self, name: str, options: dict[str, Any], focused: str, *,
                           user: FakeUser | None = None, within: float = 5.0) -> list[dict[str, Any]]:
        """A user types into option ``focused`` of ``/name``; returns the offered choices."""
        interaction = await self._interact(AUTOCOMPLETE, await self._command_data(name, options, focused, within),
                                           user, None)
        callback = await self._until(
            lambda: next((c for c in interaction.callbacks if c["type"] == CHOICES), None),
            within, f"autocomplete for /{name} {focused}")
        return callback["data"]["choices"]

    async def click_button(self, message: FakeMessage, custom_id: str, *, user: FakeUser | None = None,
                           within: float = 5.0) -> FakeMessage:
        """A user clicks a button; returns the bot's answer (a new message, or the clicked one as edited)."""
        data = {"custom_id": custom_id, "component_type": 2}
        interaction = await self._interact(COMPONENT, data, user, self.channels[message.channel_id], message)
        await self._until(lambda: interaction.callbacks or None, within, f"answer to the click on {custom_id}")
        if interaction.callbacks[0]["type"] == DEFER:  # "thinking…": the answer is the first follow-up
            await self._until(lambda: interaction.answer_id, within, f"follow-up to the click on {custom_id}")
        return self.messages[interaction.answer_id or message.id]

    async def _command_data(self, name: str, options: dict[str, Any] | None, focused: str | None,
                            within: float) -> dict[str, Any]:
        # The bot registers its commands when it connects; a user can only run registered ones.
        command = await self._until(lambda: self._command_named(name), within, f"registered command /{name}")
        declared = {o["name"]: o for o in command.get("options", [])}
        values = []
        for key, value in (options or {}).items():
            if key not in declared:
                raise KeyError(f"/{name} has no option {key!r}; it has {sorted(declared)}")
            kind = declared[key]["type"]
            entry = {"name": key, "type": kind, "value": value if key == focused else _OPTION_VALUE[kind](value)}
            if key == focused:
                entry["focused"] = True
            values.append(entry)
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": 1}
        if values:  # Discord leaves the key out when no option is given
            data["options"] = values
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return data

    def _command_named(self, name: str) -> dict[str, Any] | None:
        return next((payload for (_, n), payload in self._commands.items() if n == name), None)

    async def _interact(self, kind: int, data: dict[str, Any], user: FakeUser | None,
                        channel: FakeChannel | None, message: FakeMessage | None = None) -> FakeInteraction:
        channel = channel or self.general
        interaction = FakeInteraction(self._id(), secrets.token_urlsafe(16), kind, channel.id,
                                      message.id if message else None)
        self.interactions[interaction.id] = interaction
        payload = {"id": str(interaction.id), "application_id": str(self.application_id), "type": kind,
                   "data": data, "guild_id": str(self.guild_id), "channel_id": str(channel.id),
                   "channel": channel.payload(), "member": (user or self.member).member(),
                   "token": interaction.token, "version": 1, "locale": "en-US", "guild_locale": "en-US",
                   "app_permissions": ALL_PERMISSIONS, "entitlements": [], "authorizing_integration_owners": {},
                   "context": 0}
        if message is not None:
            payload["message"] = message.payload(self)
        await self._dispatch("INTERACTION_CREATE", payload)
        return interaction

    # -- faults ------------------------------------------------------------------------------

    def throttle(self, method: str, pattern: str, *, retry_after: float = 0.2, times: int = 1) -> None:
        """Answer the next ``times`` matching REST calls with 429 and ``retry_after``, as Discord does."""
        self._faults.append(_Fault(method, re.compile(pattern), 429, times, retry_after))

    def fail(self, method: str, pattern: str, *, status: int = 503, times: int = 1) -> None:
        """Answer the next ``times`` matching REST calls with an error (503: an outage)."""
        self._faults.append(_Fault(method, re.compile(pattern), status, times))

    async def disconnect(self, *, code: int = 4000, resumable: bool = True, wait: bool = True,
                         within: float = 10.0) -> str:
        """Close the bot's gateway connection; with ``wait``, return how it came back
        (``"resumed"`` or ``"identified"``). Events dispatched meanwhile are replayed on RESUME."""
        session = self._session
        if session is None or session.ws is None:
            raise RuntimeError("the bot is not connected")
        session.resumable = resumable
        before = (self.resumes, self.identifies)
        await session.ws.close(code=code)
        if not wait:
            return "closed"
        return await self._until(
            lambda: "resumed" if self.resumes > before[0] else "identified" if self.identifies > before[1] else None,
            within, "reconnection")

    # -- gateway -------------------------------------------------------------------------

    async def _gateway(self, request: Any) -> Any:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        await self._frame(ws, 10, {"heartbeat_interval": 41250})
        try:
            async for frame in ws:
                if frame.type is not aiohttp.WSMsgType.TEXT:
                    break
                await self._on_frame(ws, json.loads(frame.data))
        finally:
            if self._session is not None and self._session.ws is ws:
                self._session.ws = None
        return ws

    async def _on_frame(self, ws: Any, message: dict[str, Any]) -> None:
        op, data = message["op"], message.get("d")
        if op == 1:  # heartbeat
            await self._frame(ws, 11, None)
        elif op == 2:  # identify
            if data.get("token") != self.token:
                await ws.close(code=4004, message=b"Authentication failed.")
                return
            self._session = _Session(secrets.token_hex(16), ws)
            self.identifies += 1
            await self._dispatch("READY", self._ready())
            await self._dispatch("GUILD_CREATE", self._guild())
        elif op == 6:  # resume
            session = self._session
            if session is None or session.id != data.get("session_id") or not session.resumable:
                await self._frame(ws, 9, False)  # invalid session: identify again
                return
            session.ws = ws
            for seq, event, payload in session.events:
                if seq > (data.get("seq") or 0):
                    await self._frame(ws, 0, payload, seq, event)
            self.resumes += 1
            await self._dispatch("RESUMED", {"_trace": ["fake-discord"]})

    async def _frame(self, ws: Any, op: int, data: Any, seq: int | None = None, event: str | None = None) -> None:
        # nextcord reads all four keys of every frame.
        await ws.send_str(json.dumps({"op": op, "d": data, "s": seq, "t": event}))

    async def _dispatch(self, event: str, data: Any) -> None:
        session = self._session
        if session is None:
            raise RuntimeError("the bot has not connected to the fake gateway")
        session.seq += 1
        session.events.append((session.seq, event, data))
        if session.ws is not None and not session.ws.closed:
            try:
                await self._frame(session.ws, 0, data, session.seq, event)
            except ConnectionError:
                pass  # kept in session.events: a RESUME replays it
        self._notify()

    def _ready(self) -> dict[str, Any]:
        assert self._session is not None
        return {"v": 10, "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False},
                "guilds": [{"id": str(self.guild_id), "unavailable": True}], "session_id": self._session.id,
                "resume_gateway_url": self.gateway_url, "session_type": "normal",
                "application": {"id": str(self.application_id), "flags": 0}, "private_channels": [],
                "relationships": [], "user_settings": {}, "presences": [], "_trace": ["fake-discord"]}

    def _guild(self) -> dict[str, Any]:
        everyone = {"id": str(self.guild_id), "name": "@everyone", "permissions": ALL_PERMISSIONS, "position": 0,
                    "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}
        return {"id": str(self.guild_id), "name": "Slomix test server", "icon": None,
                "owner_id": str(self.member.id), "roles": [everyone],
                "channels": [c.payload() for c in self.channels.values() if c.recipient is None],
                "members": [self.bot_user.member(), *(u.member() for u in self.users.values())],
                "member_count": 1 + len(self.users), "large": False, "unavailable": False, "joined_at": _now(),
                "features": [], "emojis": [], "stickers": [], "threads": [], "presences": [],
                "voice_states": [{k: v for k, v in state.items() if k != "guild_id"}
                                 for state in self.voice_states.values()],
                "stage_instances": [], "guild_scheduled_events": [], "verification_level": 0,
                "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0,
                "nsfw_level": 0, "premium_tier": 0, "system_channel_flags": 0, "preferred_locale": "en-US",
                "afk_timeout": 300}

    # -- REST --------------------------------------------------------------------------------

    async def _rest(self, request: Any) -> Any:
        method, path = request.method, request.path.removeprefix(API)
        route = self._route(method, path)
        if route is None:
            self.unhandled.append(f"{method} {path}")
            return self._respond(method, path, 404, {"message": "404: Not Found", "code": 0})
        handler, params, authenticated = route
        if authenticated and request.headers.get("Authorization") != f"Bot {self.token}":
            return self._respond(method, path, 401, {"message": "401: Unauthorized", "code": 0})
        for fault in self._faults:
            if fault.times > 0 and fault.method == method and fault.pattern.fullmatch(path):
                fault.times -= 1
                if fault.status == 429:
                    return self._too_many(method, path, fault.retry_after)
                return self._respond(method, path, fault.status, {"message": f"fake failure {fault.status}", "code": 0})
        if request.can_read_body and request.content_type not in ("application/json", "multipart/form-data"):
            # Discord takes JSON, or multipart with the JSON in payload_json; say so rather than guess.
            self.unhandled.append(f"{method} {path} with a {request.content_type} body")
            return self._respond(method, path, 400, {"message": f"unsupported body {request.content_type}"})
        payload, files = await self._body(request)
        status, data = handler(payload, files, **params)
        self._notify()
        return self._respond(method, path, status, data)

    def _route(self, method: str, path: str) -> tuple[Callable[..., tuple[int, Any]], dict[str, str], bool] | None:
        for verb, pattern, handler, authenticated in self._routes:
            if verb == method and (match := pattern.fullmatch(path)):
                return handler, match.groupdict(), authenticated
        return None

    def _route_table(self) -> list[tuple[str, re.Pattern[str], Callable[..., tuple[int, Any]], bool]]:
        """(method, path, handler, needs the bot token); interaction callbacks and follow-ups carry
        their own token in the path. A handler takes the body, the files and the path's parts."""
        routes: list[tuple[str, str, Callable[..., tuple[int, Any]], bool]] = [
            ("GET", r"/users/@me", lambda p, f: (200, self.bot_user.payload()), True),
            ("GET", r"/gateway(?:/bot)?", lambda p, f: (200, {"url": self.gateway_url, "shards": 1}), True),
            ("GET", r"/users/(?P<user>\d+)", self._get_user, True),
            ("GET", r"/guilds/\d+/members/(?P<user>\d+)", self._get_member, True),
            ("POST", r"/users/@me/channels", self._open_dm, True),
            ("GET", r"/channels/(?P<channel>\d+)", self._get_channel, True),
            ("POST", r"/channels/(?P<channel>\d+)/typing", lambda p, f, channel: (204, None), True),
            ("POST", r"/channels/(?P<channel>\d+)/messages", self._post_message, True),
            ("GET", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", self._get_message, True),
            ("PATCH", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", self._edit_message, True),
            ("DELETE", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", self._delete_message, True),
            ("GET", r"/applications/\d+(?:/guilds/(?P<guild>\d+))?/commands", self._list_commands, True),
            ("POST", r"/applications/\d+(?:/guilds/(?P<guild>\d+))?/commands", self._post_command, True),
            ("PUT", r"/applications/\d+(?:/guilds/(?P<guild>\d+))?/commands", self._put_commands, True),
            ("PATCH", r"/applications/\d+(?:/guilds/(?P<guild>\d+))?/commands/(?P<command>\d+)",
             self._patch_command, True),
            ("DELETE", r"/applications/\d+(?:/guilds/(?P<guild>\d+))?/commands/(?P<command>\d+)",
             self._delete_command, True),
            ("POST", r"/interactions/(?P<interaction>\d+)/(?P<token>[^/]+)/callback", self._callback, False),
            ("POST", r"/webhooks/\d+/(?P<token>[^/]+)", self._follow_up, False),
            ("GET", r"/webhooks/\d+/(?P<token>[^/]+)/messages/(?P<message>@original|\d+)",
             self._get_webhook_message, False),
            ("PATCH", r"/webhooks/\d+/(?P<token>[^/]+)/messages/(?P<message>@original|\d+)",
             self._edit_webhook_message, False),
            ("DELETE", r"/webhooks/\d+/(?P<token>[^/]+)/messages/(?P<message>@original|\d+)",
             self._delete_webhook_message, False),
        ]
        return [(verb, re.compile(pattern), handler, authenticated) for verb, pattern, handler, authenticated in routes]

    async def _body(self, request: Any) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
        if request.content_type.startswith("multipart/"):
            payload: dict[str, Any] = {}
            files: list[tuple[str, bytes]] = []
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                else:
                    files.append((part.filename or "file", bytes(await part.read())))
            return payload, files
        text = await request.text()
        return (json.loads(text) if text else {}), []

    def _respond(self, method: str, path: str, status: int, data: Any, headers: dict[str, str] | None = None) -> Any:
        self.requests.append(RequestRecord(method, path, status, time.monotonic()))
        bucket = hashlib.sha1(f"{method} {path}".encode()).hexdigest()[:16]
        # A generous bucket: nextcord never has to wait unless a test throttles it.
        headers = {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "999",
                   "X-RateLimit-Reset": f"{time.time() + 0.1:.3f}", "X-RateLimit-Reset-After": "0.100",
                   "X-RateLimit-Bucket": bucket, "Via": "1.1 fake-discord", **(headers or {})}
        if status == 204:
            return web.Response(status=204, headers=headers)
        # Exactly "application/json": with "; charset=utf-8" nextcord reads the body as text.
        return web.Response(status=status, body=json.dumps(data).encode(),
                            headers={**headers, "Content-Type": "application/json"})

    def _too_many(self, method: str, path: str, retry_after: float) -> Any:
        return self._respond(method, path, 429, {"message": "You are being rate limited.",
                                                 "retry_after": retry_after, "global": False}, {
            "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}", "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Scope": "user"})

    # users and direct messages

    def _user_by_id(self, user_id: int) -> FakeUser | None:
        return next((u for u in self.users.values() if u.id == user_id), None)

    def _get_user(self, payload: Any, files: Any, user: str) -> tuple[int, Any]:
        found = self._user_by_id(int(user))
        return (200, found.payload()) if found else (404, {"message": "Unknown User", "code": 10013})

    def _get_member(self, payload: Any, files: Any, user: str) -> tuple[int, Any]:
        found = self._user_by_id(int(user))
        return (200, found.member()) if found else (404, {"message": "Unknown Member", "code": 10007})

    def _open_dm(self, payload: dict[str, Any], files: Any) -> tuple[int, Any]:
        user = self._user_by_id(int(payload.get("recipient_id", 0)))
        if user is None:
            return 400, {"message": "Invalid Recipient(s)", "code": 50033}
        channel = next((c for c in self.channels.values() if c.recipient == user), None)
        if channel is None:
            channel = FakeChannel(self._id(), user.name, self.guild_id, type=1, recipient=user)
            self.channels[channel.id] = channel
        return 200, channel.payload()

    # channels and messages

    def _get_channel(self, payload: Any, files: Any, channel: str) -> tuple[int, Any]:
        found = self.channels.get(int(channel))
        return (200, found.payload()) if found else (404, {"message": "Unknown Channel", "code": 10003})

    def _post_message(self, payload: dict[str, Any], files: list[tuple[str, bytes]], channel: str) -> tuple[int, Any]:
        if int(channel) not in self.channels:
            return 404, {"message": "Unknown Channel", "code": 10003}
        reference = (payload.get("message_reference") or {}).get("message_id")
        message = self._new_message(int(channel), payload, files, reference_id=int(reference) if reference else None)
        return 200, message.payload(self)

    def _new_message(self, channel_id: int, payload: dict[str, Any], files: list[tuple[str, bytes]],
                     **extra: Any) -> FakeMessage:
        message = FakeMessage(self._id(), channel_id, self.bot_user, **extra)
        self._apply(message, payload, files)
        self.messages[message.id] = message
        return message

    def _edit(self, message: FakeMessage, payload: dict[str, Any], files: list[tuple[str, bytes]]) -> None:
        self._apply(message, payload, files)
        message.edits += 1

    def _apply(self, message: FakeMessage, payload: dict[str, Any], files: list[tuple[str, bytes]]) -> None:
        """Keys present in the payload replace; of the old attachments, those listed stay."""
        for key, empty in (("content", ""), ("embeds", []), ("components", []), ("flags", 0)):
            if key in payload:
                setattr(message, key, payload[key] if payload[key] is not None else empty)
        listed = payload.get("attachments")
        if listed is not None:
            known = {str(a.id): a for a in message.attachments}
            message.attachments = [known[str(a["id"])] for a in listed if str(a["id"]) in known]
        descriptions = {str(a.get("id")): a.get("description") for a in listed or []}
        message.attachments += [FakeAttachment(self._id(), name, data, descriptions.get(str(index)))
                                for index, (name, data) in enumerate(files)]

    def _get_message(self, payload: Any, files: Any, channel: str, message: str) -> tuple[int, Any]:
        found = self.messages.get(int(message))
        return (200, found.payload(self)) if found else (404, {"message": "Unknown Message", "code": 10008})

    def _edit_message(self, payload: dict[str, Any], files: list[tuple[str, bytes]], channel: str,
                      message: str) -> tuple[int, Any]:
        found = self.messages.get(int(message))
        if found is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        self._edit(found, payload, files)
        return 200, found.payload(self)

    def _delete_message(self, payload: Any, files: Any, channel: str, message: str) -> tuple[int, Any]:
        return (204, None) if self.messages.pop(int(message), None) else (404, {"message": "Unknown Message"})

    # application commands

    def _scope(self, guild: str | None) -> int | None:
        return int(guild) if guild else None

    def _list_commands(self, payload: Any, files: Any, guild: str | None) -> tuple[int, Any]:
        return 200, list(self.commands(self._scope(guild)).values())

    def _upsert_command(self, scope: int | None, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        existing = self._commands.get((scope, payload["name"]))
        # Discord answers with every field, defaults included.
        stored = {"type": 1, "description": "", "nsfw": False, "name_localizations": None,
                  "description_localizations": None, "default_member_permissions": None, "dm_permission": True,
                  "contexts": None, "integration_types": [0], **payload,
                  "id": existing["id"] if existing else str(self._id()),
                  "application_id": str(self.application_id), "version": str(self._id())}
        if scope is not None:
            stored["guild_id"] = str(scope)
        self._commands[(scope, payload["name"])] = stored
        return (200 if existing else 201), stored

    def _post_command(self, payload: dict[str, Any], files: Any, guild: str | None) -> tuple[int, Any]:
        return self._upsert_command(self._scope(guild), payload)

    def _put_commands(self, payload: Any, files: Any, guild: str | None) -> tuple[int, Any]:
        scope = self._scope(guild)
        for key in [k for k in self._commands if k[0] == scope]:
            del self._commands[key]
        return 200, [self._upsert_command(scope, item)[1] for item in payload]

    def _find_command(self, guild: str | None, command: str) -> tuple[int | None, str] | None:
        scope = self._scope(guild)
        return next((k for k, v in self._commands.items() if k[0] == scope and v["id"] == command), None)

    def _patch_command(self, payload: dict[str, Any], files: Any, guild: str | None, command: str) -> tuple[int, Any]:
        key = self._find_command(guild, command)
        if key is None:
            return 404, {"message": "Unknown application command", "code": 10063}
        merged = {**self._commands.pop(key), **payload}
        return 200, self._upsert_command(key[0], merged)[1]

    def _delete_command(self, payload: Any, files: Any, guild: str | None, command: str) -> tuple[int, Any]:
        key = self._find_command(guild, command)
        if key is None:
            return 404, {"message": "Unknown application command", "code": 10063}
        del self._commands[key]
        return 204, None

    # interactions

    def _by_token(self, token: str) -> FakeInteraction | None:
        return next((i for i in self.interactions.values() if i.token == token), None)

    def _callback(self, payload: dict[str, Any], files: list[tuple[str, bytes]], interaction: str,
                  token: str) -> tuple[int, Any]:
        found = self.interactions.get(int(interaction))
        if found is None or found.token != token:
            return 404, {"message": "Unknown interaction", "code": 10062}
        if found.callbacks:
            return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}
        kind, data = payload["type"], payload.get("data") or {}
        if kind == REPLY:
            found.answer_id = self._new_message(found.channel_id, data, files, interaction_id=found.id).id
        elif kind == DEFER:
            found.deferred_flags = data.get("flags") or 0
        elif kind == UPDATE and found.message_id in self.messages:
            self._edit(self.messages[found.message_id], data, files)
        found.callbacks.append(payload)
        return 204, None

    def _follow_up(self, payload: dict[str, Any], files: list[tuple[str, bytes]], token: str) -> tuple[int, Any]:
        found = self._by_token(token)
        if found is None:
            return 404, {"message": "Unknown Webhook", "code": 10015}
        message = self._new_message(found.channel_id, payload, files, interaction_id=found.id)
        if found.answer_id is None and found.deferred_flags is not None:
            # The first follow-up after a deferral replaces the "thinking…" answer.
            message.flags |= found.deferred_flags
            found.answer_id = message.id
        return 200, message.payload(self)

    def _webhook_message(self, token: str, message: str) -> FakeMessage | None:
        found = self._by_token(token)
        if found is None:
            return None
        return self.messages.get(found.answer_id or 0 if message == "@original" else int(message))

    def _get_webhook_message(self, payload: Any, files: Any, token: str, message: str) -> tuple[int, Any]:
        found = self._webhook_message(token, message)
        return (200, found.payload(self)) if found else (404, {"message": "Unknown Message", "code": 10008})

    def _edit_webhook_message(self, payload: dict[str, Any], files: list[tuple[str, bytes]], token: str,
                              message: str) -> tuple[int, Any]:
        found = self._webhook_message(token, message)
        if found is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        self._edit(found, payload, files)
        return 200, found.payload(self)

    def _delete_webhook_message(self, payload: Any, files: Any, token: str, message: str) -> tuple[int, Any]:
        found = self._webhook_message(token, message)
        return (204, None) if found and self.messages.pop(found.id, None) else (404, {"message": "Unknown Message"})


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A loopback Discord; ``nextcord.http.Route.BASE`` points at it until the test ends."""
    nextcord = pytest.importorskip("nextcord")
    fake = FakeDiscord()
    await fake.start()
    saved = nextcord.http.Route.BASE
    nextcord.http.Route.BASE = fake.api_url
    try:
        yield fake
    finally:
        nextcord.http.Route.BASE = saved
        await fake.close()


async def _discord_ready(kernel: Any, ended: anyio.Event, within: float) -> str | None:
    """None once the Discord adapter reports ``ready`` in its health, else why not."""
    with anyio.move_on_after(within):
        while not ended.is_set():
            results = await kernel.broadcast("on_health")
            if any(r.plugin == "discord" and r.ok and (r.value or {}).get("state") == "ready" for r in results):
                return None
            await anyio.sleep(0.02)
        return f"kernel.serve() ended before the Discord adapter was ready (see the log; errors: {kernel.errors})"
    return f"the Discord adapter was not ready within {within} s (errors: {kernel.errors})"


@asynccontextmanager
async def serving(kernel: Any, within: float = 10.0) -> AsyncIterator[Any]:
    """Run ``kernel.serve()`` until the block ends; enter once the Discord adapter is ready
    (connected, its slash commands registered)."""
    ended = anyio.Event()

    async def serve() -> None:
        await kernel.serve()
        ended.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(serve)
        try:
            failure = await _discord_ready(kernel, ended, within)
            if failure is None:
                yield kernel
        finally:
            tg.cancel_scope.cancel()
    if failure is not None:  # raised out here, not wrapped in the task group's ExceptionGroup
        raise RuntimeError(failure)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) \
            else value
    return merged


@pytest.fixture
async def discord_kernel(fake_discord: FakeDiscord, make_kernel: Any, monkeypatch: pytest.MonkeyPatch) \
        -> AsyncIterator[Any]:
    """Factory: a started kernel whose Discord adapter is connected to ``fake_discord``.

    ``await discord_kernel(plugins={"core"}, config={...}, extra={...}, prefix="?")``:
    ``plugins``, ``config`` and ``extra`` as for ``make_kernel`` (the adapter is always in);
    keyword arguments are ``[adapters.discord]`` settings.
    """
    monkeypatch.setenv("DISCORD_TOKEN", fake_discord.token)
    async with AsyncExitStack() as stack:

        async def start(plugins: set[str] | frozenset[str] = frozenset(), config: dict[str, Any] | None = None,
                        extra: dict[str, tuple[str, Any]] | None = None, **settings: Any) -> Any:
            merged = _merge({"adapters": {"discord": fake_discord.settings(**settings)}}, config or {})
            kernel = await make_kernel(plugins={"discord", *plugins}, config=merged, extra=extra)
            return await stack.enter_async_context(serving(kernel))

        yield start
