"""Model of the Angular 17 tutorial interceptor (`HttpRequestInterceptor` of the bezkoder
"Angular 17 refresh token" tutorial), written in asyncio with the same control flow.

The tutorial keeps both tokens in HttpOnly cookies that the browser sends with every request
(`withCredentials: true`). On a 401 for any URL that does not contain `auth/signin`:

- If no refresh is running, it sets `isRefreshing`, POSTs the refresh endpoint and retries the
  request once. It does not queue: a 401 that arrives while a refresh is running is retried at
  once with the cookies as they are, so it carries the old access token and fails.
- A refresh that fails resets `isRefreshing` and rethrows. Only a 403 emits the `logout`
  event. A 400 or 401 from the refresh endpoint leaves the user signed in, and the next
  request starts the same failing refresh again.
- The refresh call goes through the same interceptor, so a 401 from the refresh endpoint is
  retried once at once (`isRefreshing` is true) before the error reaches the refresh's caller.
- Only status 401 starts a refresh. `isRefreshing` stays true for good when a 401 arrives
  while the storage contains no user.

Here the "cookie jar" is the model's token pair: every request carries the current tokens the
way the client settings say, and a successful refresh response replaces the tokens it carries,
as a browser stores the cookies of any response. The logout event clears the storage and the
jar; the application's own signout request after the event is not modelled.
"""

from __future__ import annotations

import contextlib

import httpx

from conformance.client.models.base import HttpErrorResponse, ok
from conformance.client.settings import ClientSettings
from conformance.client.tokens import TokenPair
from conformance.client.wire import (
    RefreshResponseInvalid,
    apply_access_token,
    build_refresh_request,
    read_refreshed_tokens,
)

SIGNIN_URL_PART = "auth/signin"
FORBIDDEN = 403


class Angular17Interceptor:
    """The tutorial interceptor in front of an httpx client without auth of its own."""

    name = "angular17"

    def __init__(self, http: httpx.AsyncClient, settings: ClientSettings,
                 tokens: TokenPair) -> None:
        self._http = http
        self._settings = settings
        self.jar: TokenPair | None = tokens
        self.user_stored = True
        self.logout_events = 0
        self._is_refreshing = False

    @property
    def logged_out(self) -> bool:
        return not self.user_stored and self.jar is None

    async def request(self, method: str, url: str) -> httpx.Response:
        return await self._intercept(self._http.build_request(method, url), refresh=False)

    async def _intercept(self, request: httpx.Request, *, refresh: bool) -> httpx.Response:
        response = await self._send_with_credentials(request, refresh=refresh)
        if response.status_code == 401 and SIGNIN_URL_PART not in str(request.url):
            return await self._handle_401_error(request, refresh=refresh)
        return ok(response)

    async def _handle_401_error(self, request: httpx.Request, *, refresh: bool) -> httpx.Response:
        if not self._is_refreshing:
            self._is_refreshing = True

            if self.user_stored:
                try:
                    await self._refresh_token(request.url)
                except HttpErrorResponse as error:
                    self._is_refreshing = False
                    if error.status == FORBIDDEN:
                        self._emit_logout()
                    raise

                self._is_refreshing = False
                return ok(await self._send_with_credentials(request, refresh=refresh))

        # `next.handle(request)`: one more try with the cookies as they are now.
        return ok(await self._send_with_credentials(request, refresh=refresh))

    async def _refresh_token(self, url: httpx.URL) -> httpx.Response:
        """AuthService.refreshToken: an HttpClient call, so it passes through `_intercept`."""
        jar = self.jar
        refresh_token = jar.refresh_token if jar is not None else None
        request = build_refresh_request(self._settings, url, refresh_token or "")
        return await self._intercept(request, refresh=True)

    async def _send_with_credentials(self, request: httpx.Request, *,
                                     refresh: bool) -> httpx.Response:
        jar = self.jar
        if jar is not None:
            apply_access_token(request, self._settings, jar.access_token)
        response = await self._http.send(request)
        if refresh and response.is_success and jar is not None:
            # A refresh response without tokens sets no cookie, so the jar keeps the old ones.
            with contextlib.suppress(RefreshResponseInvalid):
                self.jar = read_refreshed_tokens(self._settings, response, jar.refresh_token)
        return response

    def _emit_logout(self) -> None:
        self.logout_events += 1
        self.user_stored = False
        self.jar = None
