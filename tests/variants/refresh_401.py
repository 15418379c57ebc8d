"""Reference backend whose failed refresh responds with 401 instead of 403.

Django REST framework SimpleJWT rejects a refresh token with 401, so a client that
treats every 401 as "refresh again" deadlocks or loops. With the `reference` profile, which
declares 403, `client.correct-client-flows` must fail (the profile is contradicted) and
`client.angular12-refresh-rejected` must warn that the Angular 11/12 interceptor deadlocks.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from conformance.profile_loader import load_profile
from conformance.reference import ReferenceHandlers, create_app
from conformance.reference_target import reference_settings_for


class Refresh401Handlers(ReferenceHandlers):
    """Reference handlers that turn every rejection of the refresh endpoint into a 401."""

    async def refresh_token(self, request: Request) -> JSONResponse:
        try:
            return await super().refresh_token(request)
        except HTTPException as error:
            raise HTTPException(401, error.detail) from error


app = create_app(reference_settings_for(load_profile("reference")), handlers=Refresh401Handlers)
