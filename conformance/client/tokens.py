"""The token pair a client holds, with a representation that never shows a whole token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from conformance.redact import mask


class HasTokens(Protocol):
    """Anything that carries an access token and maybe a refresh token, such as a signin result."""

    @property
    def access_token(self) -> str: ...

    @property
    def refresh_token(self) -> str | None: ...


@dataclass(frozen=True)
class TokenPair:
    """An access token and the refresh token that renews it (None when the backend gave none)."""

    access_token: str
    refresh_token: str | None

    @classmethod
    def of(cls, tokens: HasTokens) -> TokenPair:
        """Copy the two tokens of any object that carries them."""
        return cls(tokens.access_token, tokens.refresh_token)

    def __repr__(self) -> str:
        refresh = "None" if self.refresh_token is None else mask(self.refresh_token)
        return f"TokenPair(access_token={mask(self.access_token)}, refresh_token={refresh})"
