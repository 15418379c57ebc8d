"""A signed-in session: the account and the tokens the backend issued to it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import httpx

from conformance.accounts import Account


@dataclass(frozen=True)
class Session:
    """Tokens held by a client after signin or refresh."""

    account: Account
    access_token: str
    refresh_token: str | None
    user_id: Any = None
    roles: Any = None
    response: httpx.Response | None = None

    def with_tokens(self, access_token: str, refresh_token: str | None) -> Session:
        return replace(self, access_token=access_token, refresh_token=refresh_token)
