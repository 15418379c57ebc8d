"""Base class of the handler groups: shared backend parts and the authentication step."""

from __future__ import annotations

from starlette.requests import Request

from conformance.reference.access import authenticate
from conformance.reference.backend import Backend
from conformance.reference.records import User


class HandlerBase:
    """Access to the shared backend parts, and the authentication step that handlers call."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def authenticate(self, request: Request) -> User:
        """Return the signed-in user, or raise 401. Variants override this to change the rule."""
        return authenticate(self.backend, request)
