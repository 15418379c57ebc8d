"""Handlers of /api/test/all, /user, /mod and /admin: the resources that need an access token."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse

from conformance.reference.access import require_role
from conformance.reference.handler_base import HandlerBase


class ContentHandlers(HandlerBase):
    """Plain-text resources of the tutorial: public, any signed-in user, moderator, admin."""

    async def public_content(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("Public Content.")

    async def user_content(self, request: Request) -> PlainTextResponse:
        self.authenticate(request)
        return PlainTextResponse("User Content.")

    async def moderator_content(self, request: Request) -> PlainTextResponse:
        # As in the tutorial, only the moderator role passes: an admin gets 403.
        user = self.authenticate(request)
        require_role(user, "moderator", "Require Moderator Role!")
        return PlainTextResponse("Moderator Content.")

    async def admin_content(self, request: Request) -> PlainTextResponse:
        user = self.authenticate(request)
        require_role(user, "admin", "Require Admin Role!")
        return PlainTextResponse("Admin Content.")
