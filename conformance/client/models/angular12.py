"""Model of the Angular 11/12 tutorial interceptor (`AuthInterceptor` of the bezkoder
"Angular 12 JWT refresh token" tutorial), written in asyncio with the same control flow.

On a 401 for any URL that does not contain `auth/signin`, the first request sets `isRefreshing`,
resets a BehaviorSubject to null and refreshes. Every other 401 waits for the subject to hold a
non-null token and then retries once with it. Its quirks, each reproduced here:

- It saves only `accessToken` from the refresh response and keeps the refresh token of signin,
  so after a rotation its next refresh sends a rotated-out token and the user is logged out.
- When the refresh fails it signs out and rethrows, but it never sets the subject again, so the
  requests queued behind that refresh never wake.
- The refresh call goes through the same interceptor. When the refresh endpoint responds with 401,
  the interceptor treats that 401 like any other: `isRefreshing` is already true, so the
  refresh call waits for the subject, which only the refresh call itself could set. The
  request deadlocks.
- Only status 401 starts a refresh, whatever status the backend uses for an expired token.
- A refresh response without `accessToken` saves the string "undefined" (JavaScript's
  `sessionStorage.setItem` of undefined) and wakes the waiters with it.

Tokens travel the way the client settings say (the tutorial's `x-access-token` header is one of
them), so the model can run against any profile.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from conformance.client.models.base import HttpErrorResponse, ok
from conformance.client.models.subject import BehaviorSubject
from conformance.client.settings import ClientSettings
from conformance.client.tokens import TokenPair
from conformance.client.wire import apply_access_token, build_refresh_request
from conformance.jsonpointer import PointerNotFound, resolve

SIGNIN_URL_PART = "auth/signin"


@dataclass
class SessionStorage:
    """The tutorial's TokenStorageService over window.sessionStorage."""

    token: str | None
    refresh_token: str | None

    def sign_out(self) -> None:
        self.token = None
        self.refresh_token = None


class Angular12Interceptor:
    """The tutorial interceptor in front of an httpx client without auth of its own."""

    name = "angular12"

    def __init__(self, http: httpx.AsyncClient, settings: ClientSettings,
                 tokens: TokenPair) -> None:
        self._http = http
        self._settings = settings
        self.storage = SessionStorage(tokens.access_token, tokens.refresh_token)
        self._is_refreshing = False
        self._refresh_token_subject: BehaviorSubject[str | None] = BehaviorSubject(None)

    @property
    def logged_out(self) -> bool:
        return self.storage.token is None and self.storage.refresh_token is None

    async def request(self, method: str, url: str) -> httpx.Response:
        return await self._intercept(self._http.build_request(method, url))

    async def _intercept(self, request: httpx.Request) -> httpx.Response:
        token = self.storage.token
        if token is not None:
            apply_access_token(request, self._settings, token)

        response = await self._http.send(request)
        if response.status_code == 401 and SIGNIN_URL_PART not in str(request.url):
            return await self._handle_401_error(request)
        return ok(response)

    async def _handle_401_error(self, request: httpx.Request) -> httpx.Response:
        if not self._is_refreshing:
            self._is_refreshing = True
            self._refresh_token_subject.next(None)

            refresh_token = self.storage.refresh_token
            if refresh_token:
                try:
                    refreshed = await self._refresh(refresh_token, request.url)
                except HttpErrorResponse:
                    self._is_refreshing = False
                    self.storage.sign_out()
                    raise

                self._is_refreshing = False
                access_token = self._access_token_of(refreshed)
                self.storage.token = access_token
                self._refresh_token_subject.next(access_token)
                return await self._retry(request, access_token)

        # Requests queued behind the refresh in flight, and, with no refresh token stored,
        # the request that found none: they wait for a token that may never come.
        token = await self._refresh_token_subject.first(lambda value: value is not None)
        assert token is not None
        return await self._retry(request, token)

    async def _refresh(self, refresh_token: str, url: httpx.URL) -> httpx.Response:
        """AuthService.refreshToken: an HttpClient call, so it passes through `_intercept`."""
        return await self._intercept(build_refresh_request(self._settings, url, refresh_token))

    async def _retry(self, request: httpx.Request, token: str) -> httpx.Response:
        """`next.handle(addTokenHeader(request, token))`: the retry skips this interceptor."""
        apply_access_token(request, self._settings, token)
        return ok(await self._http.send(request))

    def _access_token_of(self, response: httpx.Response) -> str:
        pointer = self._settings.access_pointer or "/accessToken"
        try:
            value = resolve(response.json(), pointer)
        except (PointerNotFound, ValueError):
            return "undefined"
        return value if isinstance(value, str) else str(value)
