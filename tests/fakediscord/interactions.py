"""Interactions: what a member does (a slash command, a button, a modal) and how the bot answers.

The helpers send INTERACTION_CREATE over the gateway and return an ``Interaction`` record that
fills in when the bot calls back. Discord's rules apply: one initial response within the
deadline (3 s), follow-ups with the token for 15 minutes, a second acknowledgement is 40060.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from tests.fakediscord import payloads as p
from tests.fakediscord.http import error, json_response
from tests.fakediscord.records import CommandRefused, Interaction, Post

COMMAND, COMPONENT, MODAL_SUBMIT = 2, 3, 5
MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, AUTOCOMPLETE, MODAL = 4, 5, 6, 7, 8, 9
FOLLOW_UP_TTL = 15 * 60.0


def _find_component(components: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    for component in components:
        if component.get("custom_id") == custom_id:
            return component
        nested = list(component.get("components") or [])
        nested += [c for c in (component.get("accessory"), component.get("component")) if isinstance(c, dict)]
        found = _find_component(nested, custom_id)
        if found is not None:
            return found
    return None


def _modal_problems(data: dict[str, Any]) -> list[str]:
    problems = []
    if not 1 <= len(data.get("title") or "") <= 45:
        problems.append("modal title: 1 to 45 characters")
    if not 1 <= len(data.get("custom_id") or "") <= 100:
        problems.append("modal custom_id: 1 to 100 characters")
    if not 1 <= len(data.get("components") or []) <= 5:
        problems.append("modal: 1 to 5 components")
    return problems


def _choice_problems(data: dict[str, Any]) -> list[str]:
    choices = data.get("choices") or []
    problems = [f"choices: {len(choices)} > 25"] if len(choices) > 25 else []
    for choice in choices:
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            problems.append(f"choice name {str(choice.get('name'))[:20]!r}: 1 to 100 characters")
        if isinstance(choice.get("value"), str) and len(choice["value"]) > 100:
            problems.append(f"choice value {choice['value'][:20]!r}: more than 100 characters")
    return problems


CHANNEL_OPTION = 7


def _leaves(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An invocation's option values, through subcommand groups and subcommands."""
    found = []
    for option in options:
        found += _leaves(option["options"]) if "options" in option else [option]
    return found


class InteractionRoutes:
    """The interaction half of ``FakeDiscord`` (a mixin: it uses the server's channels and messages)."""

    def __init__(self) -> None:
        self.interactions: list[Interaction] = []
        self.callbacks: list[dict[str, Any]] = []  # every initial response body, in order
        self.command_sets: dict[str, list[dict[str, Any]]] = {}  # "global" or a guild id -> commands
        self._by_id: dict[str, Interaction] = {}
        self._by_token: dict[str, Interaction] = {}
        self._permission_roles: dict[tuple[str, int], str] = {}
        self.replied = asyncio.Event()

    def interaction_routes(self, api: str) -> list[web.AbstractRouteDef]:
        hook = f"{api}/webhooks/{{app}}/{{token}}"
        return [
            web.post(f"{api}/interactions/{{id}}/{{token}}/callback", self.callback),
            web.get(f"{hook}/messages/@original", self.get_original),
            web.patch(f"{hook}/messages/@original", self.edit_original),
            web.delete(f"{hook}/messages/@original", self.delete_original),
            web.post(hook, self.follow_up),
            web.patch(f"{hook}/messages/{{message}}", self.edit_follow_up),
        ]

    # What a member does ----------------------------------------------------------------------

    async def invoke(
        self,
        name: str,
        options: Iterable[dict[str, Any]] = (),
        *,
        channel_id: str | int = p.CHANNEL_ID,
        user: dict[str, Any] | str | None = None,
        permissions: int | None = None,
        strict: bool = True,
    ) -> Interaction:
        """A member runs a slash command in a channel, as the gateway delivers it.

        ``permissions`` are the member's permissions in that channel (default: what @everyone
        has, which lacks Manage Messages and Manage Server). With ``strict``, refuse what
        Discord's client would not send: a command whose default permissions the member
        lacks, or an age-restricted command outside an age-restricted channel.
        """
        command = next((c for s in self._command_scopes() for c in s if c["name"] == name), None)
        if command is None:
            raise CommandRefused(f"/{name} was never synced")
        channel = self.channels[str(channel_id)]
        perms = p.MEMBER_PERMISSIONS if permissions is None else int(permissions)
        required = command.get("default_member_permissions")
        if strict and required is not None and not perms & p.ADMINISTRATOR:
            needed = int(required)
            if needed == 0 or perms & needed != needed:
                raise CommandRefused(f"/{name} is hidden from members without permissions {needed}")
        if strict and command.get("nsfw") and not self.age_restricted(channel.id):
            raise CommandRefused(f"/{name} is age-restricted and #{channel.name} is not")
        data = {"id": command["id"], "name": name, "type": command.get("type", 1), "options": list(options)}
        channels = {o["value"] for o in _leaves(data["options"]) if o.get("type") == CHANNEL_OPTION}
        if channels:  # Discord sends the channels an option names, as the member may see them
            data["resolved"] = {
                "channels": {str(c): {**self.channels[str(c)].payload(), "permissions": str(perms)} for c in channels}
            }
        if channel.guild_id is not None:
            data["guild_id"] = channel.guild_id
        return await self._interact(COMMAND, channel, user, perms, data)

    async def press(
        self,
        message: Post | dict[str, Any] | str | int,
        custom_id: str,
        *,
        user: dict[str, Any] | str | None = None,
        permissions: int | None = None,
        values: Iterable[str] | None = None,
        strict: bool = True,
    ) -> Interaction:
        """A member presses a button (or picks ``values`` in a select) on a message the bot sent."""
        if isinstance(message, Post):
            message = message.id
        payload = message if isinstance(message, dict) else self.message(message)
        payload = self._message_store.get(payload["id"], payload)  # its latest edit
        component = _find_component(payload.get("components") or [], custom_id)
        if strict and component is None:
            raise CommandRefused(f"message {payload['id']} has no component {custom_id!r}")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"] if component else 2}
        if values is not None:
            data["values"] = list(values)
        perms = p.MEMBER_PERMISSIONS if permissions is None else int(permissions)
        channel = self.channels[payload["channel_id"]]
        return await self._interact(COMPONENT, channel, user, perms, data, message=payload)

    async def submit_modal(
        self,
        opened: Interaction,
        values: dict[str, str],
        *,
        user: dict[str, Any] | str | None = None,
    ) -> Interaction:
        """Fill in and submit the modal the bot opened in answer to ``opened``."""
        if opened.response_type != MODAL:
            raise CommandRefused("that interaction was not answered with a modal")
        modal = opened.data

        def filled(item: dict[str, Any]) -> dict[str, Any]:
            return {"type": item["type"], "custom_id": item["custom_id"], "value": values.get(item["custom_id"], "")}

        rows = []
        for row in modal["components"]:
            if row["type"] == 1:
                rows.append({"type": 1, "components": [filled(c) for c in row["components"]]})
            elif row["type"] == 18:
                rows.append({"type": 18, "component": filled(row["component"])})
        channel = self.channels[opened.payload["channel_id"]]
        member = opened.payload.get("member") or {}
        perms = int(member.get("permissions", p.MEMBER_PERMISSIONS))
        who = user or member.get("user") or opened.payload.get("user")
        data = {"custom_id": modal["custom_id"], "components": rows}
        return await self._interact(MODAL_SUBMIT, channel, who, perms, data)

    def _command_scopes(self) -> list[list[dict[str, Any]]]:
        scopes = [s for key, s in self.command_sets.items() if key != "global"]
        return [*scopes, self.command_sets.get("global", []), self.commands]

    async def _role_for(self, permissions: int, guild_id: str) -> str:
        key = (guild_id, permissions)
        if key not in self._permission_roles:
            self._permission_roles[key] = await self.add_role(f"perms-{permissions}", permissions, guild_id=guild_id)
        return self._permission_roles[key]

    async def _interact(
        self,
        kind: int,
        channel: p.Channel,
        user: dict[str, Any] | str | None,
        permissions: int,
        data: dict[str, Any],
        message: dict[str, Any] | None = None,
    ) -> Interaction:
        who = self.user(user) if isinstance(user, str) else user or p.READER
        interaction_id = self.ids.next()
        token = f"interaction-token-{interaction_id}"
        payload: dict[str, Any] = {
            "id": interaction_id,
            "application_id": p.APP_ID,
            "type": kind,
            "token": token,
            "version": 1,
            "channel_id": channel.id,
            "channel": {**channel.payload(), "permissions": str(permissions)},
            "app_permissions": str(p.MEMBER_PERMISSIONS),
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10485760,
            "data": data,
        }
        if channel.guild_id is not None:
            # Permissions beyond @everyone's come from a role, so member.guild_permissions agrees.
            extra = permissions & ~p.MEMBER_PERMISSIONS
            roles = [await self._role_for(permissions, channel.guild_id)] if extra else []
            payload.update(
                guild_id=channel.guild_id,
                guild_locale="en-US",
                member=p.member(who, roles=roles, permissions=permissions),
                authorizing_integration_owners={"0": channel.guild_id},
                context=0,
            )
        else:
            payload.update(user=who, authorizing_integration_owners={"1": who["id"]}, context=1)
        if message is not None:
            payload["message"] = message
        record = Interaction(interaction_id, token, kind, payload, sent_at=self.clock())
        self.interactions.append(record)
        self._by_id[interaction_id] = self._by_token[token] = record
        await self.dispatch("INTERACTION_CREATE", payload)
        return record

    # How the bot answers ---------------------------------------------------------------------

    async def callback(self, request: web.Request) -> web.Response:
        record = self._by_id.get(request.match_info["id"])
        if record is None or record.token != request.match_info["token"]:
            return error(404, 10062, "Unknown interaction")
        if self.interaction_deadline is not None and self.clock() - record.sent_at > self.interaction_deadline:
            return error(404, 10062, "Unknown interaction")  # too late: the token is gone
        if record.response is not None:
            return error(400, 40060, "Interaction has already been acknowledged.")
        body, has_files = await self.read_body(request)
        kind, data = body["type"], body.get("data") or {}
        source = record.payload.get("message")  # the message a component sits on
        if source is not None:
            source = self._message_store.get(source["id"], source)
        if kind == UPDATE and source is not None:
            refusal = self.refuse(request, p.edit(source, data), has_files)  # the message as it would become
        elif kind == MESSAGE:
            refusal = self.refuse(request, data, has_files)
        else:
            problems = (
                _modal_problems(data) if kind == MODAL else _choice_problems(data) if kind == AUTOCOMPLETE else []
            )
            refusal = error(400, 50035, "Invalid Form Body", problems) if problems else None
        if refusal is not None:
            return refusal
        channel = self.channels[record.payload["channel_id"]]
        message = None
        if kind == MESSAGE:
            message = self.store_message(channel, data)
        elif kind == DEFERRED_MESSAGE:
            message = self.store_message(channel, {"flags": (data.get("flags") or 0) | p.LOADING})
        elif kind == DEFERRED_UPDATE:
            message = source
        elif kind == UPDATE and source is not None:
            message = self._message_store[source["id"]] = p.edit(source, data)
        record.response, record.responded_at, record.original = body, self.clock(), message
        self.callbacks.append(body)
        record.responded.set()
        self.replied.set()
        flags = (message or {}).get("flags", 0)
        summary: dict[str, Any] = {
            "id": record.id,
            "type": record.type,
            "response_message_loading": kind == DEFERRED_MESSAGE,
            "response_message_ephemeral": bool(flags & p.EPHEMERAL),
        }
        resource: dict[str, Any] = {"type": kind}
        if message is not None:
            summary["response_message_id"] = message["id"]
            resource["message"] = message
        return json_response({"interaction": summary, "resource": resource})

    def _hooked(self, request: web.Request) -> Interaction | web.Response:
        record = self._by_token.get(request.match_info["token"])
        if record is None or record.response is None:
            return error(404, 10015, "Unknown Webhook")
        if self.clock() - record.sent_at > FOLLOW_UP_TTL:
            return error(401, 50027, "Invalid Webhook Token")
        return record

    async def get_original(self, request: web.Request) -> web.Response:
        record = self._hooked(request)
        if isinstance(record, web.Response):
            return record
        return json_response(record.original) if record.original else error(404, 10008, "Unknown Message")

    async def edit_original(self, request: web.Request) -> web.Response:
        record = self._hooked(request)
        if isinstance(record, web.Response):
            return record
        if record.original is None:
            return error(404, 10008, "Unknown Message")
        body, has_files = await self.read_body(request)
        edited = p.edit(record.original, body)
        edited["flags"] = edited["flags"] & ~p.LOADING
        refusal = self.refuse(request, edited, has_files)
        if refusal is not None:
            return refusal
        record.edits.append(body)
        record.original = self._message_store[edited["id"]] = edited
        return json_response(edited)

    async def delete_original(self, request: web.Request) -> web.Response:
        record = self._hooked(request)
        if isinstance(record, web.Response):
            return record
        if record.original is not None:
            self._message_store.pop(record.original["id"], None)
        return web.Response(status=204)

    async def follow_up(self, request: web.Request) -> web.Response:
        record = self._hooked(request)
        if isinstance(record, web.Response):
            return record
        body, has_files = await self.read_body(request)
        refusal = self.refuse(request, body, has_files)
        if refusal is not None:
            return refusal
        original = record.original
        if original is not None and original["flags"] & p.LOADING and not record.followups:
            # After a deferred ("thinking") response, the first follow-up fills in that message.
            message = p.edit(original, body)
            message["flags"] = original["flags"] & ~p.LOADING
            record.original = self._message_store[message["id"]] = message
        else:
            message = self.store_message(self.channels[record.payload["channel_id"]], body)
        record.followups.append(body)
        if request.query.get("wait") in ("1", "true", "True"):
            return json_response(message)
        return web.Response(status=204)

    async def edit_follow_up(self, request: web.Request) -> web.Response:
        record = self._hooked(request)
        if isinstance(record, web.Response):
            return record
        message = self._message_store.get(request.match_info["message"])
        if message is None:
            return error(404, 10008, "Unknown Message")
        body, has_files = await self.read_body(request)
        edited = p.edit(message, body)
        refusal = self.refuse(request, edited, has_files)
        if refusal is not None:
            return refusal
        record.edits.append(body)
        self._message_store[edited["id"]] = edited
        return json_response(edited)
