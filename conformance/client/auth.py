"""The correct refreshing client: an `httpx.Auth` whose flow refreshes expired access tokens.

One generator, `_flow`, contains the whole protocol and does no I/O. It yields the requests to send
and the refreshes to wait for. The sync and async wrappers send what it yields and wait on a
`threading.Event` or an `asyncio.Event`, the shape of httpx's own auth flows.

Per request: send it with the current access token. If the response has an expired status,
claim the single flight (`single_flight`). Then retry at once if another request refreshed
meanwhile, fail if the session ended or the refresh this request waited for failed, wait for
the refresh in progress, or else refresh. At most one refresh and one retry happen per
request, so the flow never loops.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

import httpx

from conformance.client.errors import LoggedOutError, RefreshError, RefreshWaitTimeout
from conformance.client.events import LogoutEvent, LogoutReason
from conformance.client.settings import ClientSettings
from conformance.client.single_flight import Flight, Role, Side, SingleFlight
from conformance.client.state import TokenState
from conformance.client.tokens import HasTokens, TokenPair
from conformance.client.wire import (
    RefreshResponseInvalid,
    apply_access_token,
    build_refresh_request,
    read_refreshed_tokens,
)
from conformance.redact import mask

if TYPE_CHECKING:
    from conformance.profile import Profile

log = logging.getLogger("conformance")

LogoutCallback = Callable[[LogoutEvent], None]
RefreshCallback = Callable[[TokenPair], None]


@dataclass(frozen=True)
class _Wait:
    """Wait for the refresh in progress, then decide again."""

    flight: Flight


@dataclass(frozen=True)
class _RefreshCall:
    """A refresh request: the wrapper sends it, reads its body and records an abort."""

    request: httpx.Request


_Step = httpx.Request | _RefreshCall | _Wait

# A waiter decides again after its refresh ends, and that ends in a retry or an error. The
# bound only guards the flow against a bug in that reasoning.
_MAX_CLAIMS = 3


class RefreshingAuth(httpx.Auth):
    """Sends the access token, refreshes it once per expiry for all requests, and logs out.

    Use one instance per signed-in session and share it between the requests of that session:
    `httpx.Client(auth=auth)` or `httpx.AsyncClient(auth=auth)`. The single flight applies to
    the sync requests of all threads together, and to the async requests of each event loop.
    """

    requires_request_body = True

    def __init__(
        self,
        settings: ClientSettings,
        tokens: HasTokens | None = None,
        *,
        on_logout: LogoutCallback | None = None,
        on_refresh: RefreshCallback | None = None,
    ) -> None:
        self.settings = settings
        self._state = TokenState(TokenPair.of(tokens) if tokens is not None else None)
        self._logout_callbacks: list[LogoutCallback] = [] if on_logout is None else [on_logout]
        self._refresh_callbacks: list[RefreshCallback] = [] if on_refresh is None else [on_refresh]
        self.logged_out = threading.Event()
        """Set when the client drops its tokens; cleared by `set_tokens`."""
        if tokens is None:
            self.logged_out.set()

        self._flights = SingleFlight()
        self._counter_lock = threading.Lock()
        self._refresh_requests = 0

    @classmethod
    def from_profile(
        cls,
        profile: Profile,
        tokens: HasTokens | None = None,
        *,
        on_logout: LogoutCallback | None = None,
        on_refresh: RefreshCallback | None = None,
        **settings: object,
    ) -> RefreshingAuth:
        """Build a client that speaks `profile`'s protocol; `settings` override single fields."""
        return cls(ClientSettings.from_profile(profile, **settings), tokens,
                   on_logout=on_logout, on_refresh=on_refresh)

    # Public state

    @property
    def tokens(self) -> TokenPair | None:
        """The client's current tokens, None after a logout."""
        return self._state.tokens

    @property
    def last_logout(self) -> LogoutEvent | None:
        """Why the client last dropped its tokens, None while it has tokens."""
        return self._state.logout_event

    @property
    def refresh_count(self) -> int:
        """Number of refresh requests this client has sent."""
        with self._counter_lock:
            return self._refresh_requests

    def add_logout_listener(self, callback: LogoutCallback) -> None:
        """Call `callback` with the event whenever the client drops its tokens."""
        self._logout_callbacks.append(callback)

    def add_refresh_listener(self, callback: RefreshCallback) -> None:
        """Call `callback` with the new tokens after every successful refresh, for example to
        store a rotated refresh token.
        """
        self._refresh_callbacks.append(callback)

    def set_tokens(self, tokens: HasTokens) -> None:
        """Hold new tokens, for example after a new signin; this ends any logout."""
        self._state.replace(TokenPair.of(tokens))
        self.logged_out.clear()

    def logout(self) -> None:
        """Drop the tokens and raise the logout event, as after a signout."""
        self._end_session(LogoutEvent(LogoutReason.LOCAL))

    # The protocol, free of I/O

    def _flow(self, request: httpx.Request,
              side: Side) -> Generator[_Step, httpx.Response | None, None]:
        sent = self._state.ticket()
        apply_access_token(request, self.settings, sent.access_token)
        response = yield request
        assert response is not None
        if response.status_code not in self.settings.expired_statuses:
            return

        attempts_seen = self._state.attempts
        for _ in range(_MAX_CLAIMS):
            role, flight = self._flights.claim(
                side, lambda: self._state.decide(sent, attempts_seen))
            if role is Role.RETRY:
                break
            assert flight is not None
            if role is Role.WAIT:
                yield _Wait(flight)
                continue
            try:
                yield from self._refresh(request)
            finally:
                self._flights.land(side, flight)
            break
        else:
            raise RefreshError(f"no refresh settled this request after {_MAX_CLAIMS} tries")

        retry = self._state.ticket()
        apply_access_token(request, self.settings, retry.access_token)
        yield request

    def _refresh(self, request: httpx.Request) -> Generator[_Step, httpx.Response | None, None]:
        refresh_token = self._state.refresh_token()
        if refresh_token is None:
            event = LogoutEvent(LogoutReason.NO_REFRESH_TOKEN)
            self._end_session(event)
            raise LoggedOutError(event)

        with self._counter_lock:
            self._refresh_requests += 1
        log.debug("refreshing the access token with refresh token %s", mask(refresh_token))
        refresh_request = build_refresh_request(self.settings, request.url, refresh_token)
        # httpx applies the client's timeout only to the request it was given, so the refresh
        # request made inside the auth flow carries the same timeout explicitly.
        if "timeout" in request.extensions:
            refresh_request.extensions["timeout"] = request.extensions["timeout"]
        response = yield _RefreshCall(refresh_request)
        assert response is not None
        self._absorb(response, refresh_token)

    def _absorb(self, response: httpx.Response, refresh_token: str) -> None:
        status = response.status_code
        if status in self.settings.refresh_success_statuses:
            try:
                tokens = read_refreshed_tokens(self.settings, response, refresh_token)
            except RefreshResponseInvalid as error:
                self._fail(RefreshError(f"{error}; the tokens are kept", status=status))
            self._state.refreshed(tokens)
            rotated = tokens.refresh_token != refresh_token
            log.info("refreshed the access token; refresh token %s",
                     "rotated" if rotated else "kept")
            self._notify_refresh(tokens)
            return

        if self.settings.ends_session(status):
            event = LogoutEvent(LogoutReason.REFRESH_REJECTED, status=status)
            self._end_session(event)
            raise LoggedOutError(event)
        self._fail(RefreshError(
            f"the refresh endpoint responded with {status}; the tokens are kept, so a later "
            "request refreshes again", status=status))

    def _fail(self, error: RefreshError) -> NoReturn:
        self._state.failed(error)
        log.warning("token refresh failed: %s", error)
        raise error

    def _end_session(self, event: LogoutEvent) -> None:
        if not self._state.logged_out(event):
            return
        self.logged_out.set()
        log.info("refreshing client %s", event.describe())
        for callback in list(self._logout_callbacks):
            try:
                callback(event)
            except Exception:
                log.exception("a logout listener of the refreshing client raised; ignored")

    def _notify_refresh(self, tokens: TokenPair) -> None:
        for callback in list(self._refresh_callbacks):
            try:
                callback(tokens)
            except Exception:
                log.exception("a refresh listener of the refreshing client raised; ignored")

    # httpx entry points

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Run the sync flow; httpx itself calls `sync_auth_flow` or `async_auth_flow`."""
        return self.sync_auth_flow(request)

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        request.read()
        flow = self._flow(request, None)
        try:
            step = next(flow)
            while True:
                reply: httpx.Response | None = None
                if isinstance(step, _Wait):
                    done = step.flight.done
                    assert isinstance(done, threading.Event)
                    if not done.wait(self.settings.wait_timeout):
                        raise self._wait_timeout()
                elif isinstance(step, _RefreshCall):
                    try:
                        reply = yield step.request
                    except BaseException:
                        self._abort_refresh()
                        raise
                    reply.read()
                else:
                    reply = yield step
                step = flow.send(reply)
        except StopIteration:
            return
        finally:
            flow.close()

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        # NOTE: sync and async requests that refresh at the same moment are different sides,
        # so a client used from both at once can send two refresh requests.
        flow = self._flow(request, asyncio.get_running_loop())
        try:
            step = next(flow)
            while True:
                reply: httpx.Response | None = None
                if isinstance(step, _Wait):
                    done = step.flight.done
                    assert isinstance(done, asyncio.Event)
                    await self._wait_async(done)
                elif isinstance(step, _RefreshCall):
                    try:
                        reply = yield step.request
                    except BaseException:
                        self._abort_refresh()
                        raise
                    await reply.aread()
                else:
                    reply = yield step
                step = flow.send(reply)
        except StopIteration:
            return
        finally:
            flow.close()

    async def _wait_async(self, done: asyncio.Event) -> None:
        try:
            async with asyncio.timeout(self.settings.wait_timeout):
                await done.wait()
        except TimeoutError:
            raise self._wait_timeout() from None

    def _wait_timeout(self) -> RefreshWaitTimeout:
        return RefreshWaitTimeout(
            f"timed out after {self.settings.wait_timeout:g} s waiting for a token refresh that "
            "another request started; raise wait_timeout if the refresh endpoint is that slow"
        )

    def _abort_refresh(self) -> None:
        self._state.failed(RefreshError("the refresh request ended without a response"))
        log.warning("token refresh ended without a response (transport error or cancellation)")
