"""The harness scenarios use: one object per check that speaks the profile's protocol.

It sends requests the way the profile specifies (token transports, body templates, JSON pointers),
records every exchange for the report, and turns transport failures into `HarnessError`.
"""

from __future__ import annotations

import json as jsonlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.accounts import Account, AccountFactory
from conformance.clocks.base import Clock
from conformance.deadline import deadline_passed, exchange_deadline
from conformance.exchange import REDACTION_MARGIN, Exchange
from conformance.expect import describe_statuses
from conformance.jsonpointer import PointerNotFound, resolve
from conformance.outcome import HarnessError
from conformance.profile import Profile, ProtectedResource
from conformance.reachability import Reachability
from conformance.redact import Redactor, mask
from conformance.session import Session
from conformance.target import Target

log = logging.getLogger("conformance")

_UNSET: Any = object()


@dataclass
class RunContext:
    """Everything that lives for one run: profile, target, redactor and run-wide options."""

    profile: Profile
    target: Target
    run_id: str
    redactor: Redactor = field(default_factory=Redactor)
    options: dict[str, Any] = field(default_factory=dict)
    # The run's clock; None picks the best clock for the target (conformance.clocks).
    clock: Clock | None = None
    accounts: AccountFactory = field(init=False)
    reachability: Reachability = field(init=False)
    _client: httpx.Client | None = None

    def __post_init__(self) -> None:
        self.accounts = AccountFactory(self.profile, self.run_id)
        self.reachability = Reachability(self.target.base_url)
        self.redactor.add(self.profile.access_token.signing_key)
        if self.clock is None:
            from conformance.clocks import default_clock

            self.clock = default_clock(self.target, self.profile)

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = self.target.client()
        return self._client

    def close(self) -> None:
        self.target.close()
        if self.clock is not None:
            self.clock.close()


class Harness:
    """Protocol-aware helper for one check; it records the exchanges the check makes."""

    def __init__(self, context: RunContext) -> None:
        self.context = context
        self.profile: Profile = context.profile
        self.redact = context.redactor
        self.exchanges: list[Exchange] = []
        self.notes: list[str] = []
        # Provisioned accounts handed out in this check, per role, so each call gets another.
        self._provisioned_used: dict[str, int] = {}
        assert context.clock is not None, "RunContext.__post_init__ sets the clock"
        # The check's only source of "now"; see conformance.clocks for moving it.
        self.clock: Clock = context.clock

    def note(self, text: str) -> None:
        """Record a finding that the report shows with the check's outcome."""
        self.notes.append(text)

    # Raw HTTP

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = _UNSET,
        content: bytes | str | None = None,
        headers: Mapping[str, str | bytes] | None = None,
    ) -> httpx.Response:
        """Send one request to the target, record it, and return the response."""
        client = self.context.client
        client.cookies.clear()
        kwargs: dict[str, Any] = {"headers": dict(headers or {})}
        if json is not _UNSET:
            kwargs["content"] = jsonlib.dumps(json).encode()
            kwargs["headers"] = {"content-type": "application/json", **kwargs["headers"]}
        elif content is not None:
            kwargs["content"] = content
        request = client.build_request(method, path, **kwargs)

        reachability = self.context.reachability
        endpoint = f"{method} {request.url.path}"
        blocked = reachability.blocked(endpoint)
        if blocked is not None:
            self.exchanges.append(Exchange.from_error(request, blocked, 0.0))
            raise HarnessError(blocked)

        started = time.perf_counter()
        try:
            # The read timeout bounds the whole exchange, not each network read. The target's
            # DeadlineTransport enforces it over the network, and _read_body in process.
            with exchange_deadline(client.timeout.read):
                response = client.send(request, stream=True)
                try:
                    _read_body(response)
                finally:
                    response.close()
        except httpx.TimeoutException as error:
            self._record_error(request, f"timed out: {error}", started)
            if isinstance(error, httpx.ConnectTimeout):
                reachability.connect_failed(f"ConnectTimeout: {error}")
            else:
                reachability.timed_out(endpoint, f"{type(error).__name__}: {error}")
            raise HarnessError(
                f"{method} {path} timed out after {client.timeout.read} s: the backend did not "
                "send its whole response in that time. Raise the request timeout (--timeout) "
                "if it is slow."
            ) from None
        except httpx.TransportError as error:
            self._record_error(request, f"{type(error).__name__}: {error}", started)
            if isinstance(error, httpx.ConnectError):
                reachability.connect_failed(f"ConnectError: {error}")
            target = self.context.target
            advice = (f"the application of {target.description} broke the exchange; read its log"
                      if target.in_process else
                      f"check that the backend is running at {target.base_url}")
            raise HarnessError(
                f"{method} {path} failed: {type(error).__name__}: {error}; {advice}"
            ) from None
        finally:
            client.cookies.clear()

        reachability.responded(endpoint)
        elapsed = time.perf_counter() - started
        self.exchanges.append(Exchange.from_response(response, elapsed))
        log.debug("%s %s -> %d in %.1f ms", method, self.redact(path), response.status_code,
                  elapsed * 1000)
        return response

    def _record_error(self, request: httpx.Request, error: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        self.exchanges.append(Exchange.from_error(request, error, elapsed))
        log.info("%s %s failed: %s", request.method, self.redact(str(request.url)),
                 self.redact(error))

    # Token transports

    def access_headers(self, token: str | None) -> dict[str, str]:
        """Return the headers that carry `token` as the profile's access-token transport."""
        if token is None:
            return {}
        transport = self.profile.access_token
        if transport.transport == "bearer":
            return {"Authorization": f"Bearer {token}"}
        if transport.transport == "cookie":
            return {"Cookie": f"{transport.name}={token}"}
        return {transport.name: token}

    def get_resource(
        self,
        resource: ProtectedResource | str,
        token: str | None = None,
        *,
        headers: Mapping[str, str | bytes] | None = None,
    ) -> httpx.Response:
        """Request a resource with `token` sent as the profile specifies, or with `headers`."""
        if isinstance(resource, str):
            method, path = "GET", resource
        else:
            method, path = resource.method, resource.path
        sent = headers if headers is not None else self.access_headers(token)
        return self.request(method, path, headers=sent)

    # Accounts and signin

    def new_account(self, role: str = "user") -> Account:
        """Return credentials of an account with `role` that exists on the backend."""
        accounts = self.context.accounts
        mode = self.profile.accounts.mode
        if mode == "fixed":
            account = accounts.fixed_account(role)
            self.redact.add(account.password)
            return account

        if mode == "command":
            index = self._provisioned_used.get(role, 0)
            self._provisioned_used[role] = index + 1
            account = accounts.provisioned_account(role, index)
            self.redact.add(account.password)
            return account

        account = accounts.new_credentials(role)
        self.redact.add(account.password)

        response = self.signup(account)
        if response.status_code not in self.profile.statuses.signup_success:
            raise HarnessError(
                f"could not create a test account with role {role!r}: signup returned "
                f"{response.status_code} {self._snippet(response)}"
            )
        return account

    def disposable_account(self, role: str = "user") -> Account:
        """Return a new account with `role` that no other check uses, for a check that
        deletes it. Fixed accounts are shared by every check, so they raise HarnessError."""
        mode = self.profile.accounts.mode
        if mode == "fixed":
            raise HarnessError("the profile's accounts are fixed and shared by every check, so "
                               "this check cannot have one of its own")
        if mode == "signup":
            return self.new_account(role)

        account = self.context.accounts.new_credentials(role)
        self.redact.add(account.password)
        self.context.accounts.provision(account)
        return account

    def delete_account(self, session: Session) -> None:
        """Delete the account of `session` with the endpoint or command of the profile's
        [account_deletion]; raise HarnessError if the backend rejects the deletion."""
        deletion = self.profile.account_deletion
        if deletion is None:
            raise HarnessError("the profile declares no [account_deletion]")
        if deletion.command is not None:
            self.context.accounts.delete_by_command(session.account)
            return

        assert deletion.path is not None
        response = self.request(deletion.method, deletion.path,
                                headers=self.access_headers(session.access_token))
        if response.status_code not in self.profile.statuses.account_deleted:
            expected = describe_statuses(self.profile.statuses.account_deleted)
            raise HarnessError(
                f"could not delete test account {session.account.username!r}: "
                f"{deletion.method} {deletion.path} returned {response.status_code} "
                f"{self._snippet(response)}, expected {expected} (statuses.account_deleted); "
                "check account_deletion.path and account_deletion.method in the profile"
            )

    def signup(self, account: Account, body: Any = _UNSET) -> httpx.Response:
        """Send a signup request for `account`, or with `body` as given."""
        path = self.profile.endpoints.signup
        if path is None:
            raise HarnessError("the profile has no signup endpoint")
        sent = self.context.accounts.signup_body(account) if body is _UNSET else body
        return self.request("POST", path, json=sent)

    def signin_request(self, body: Any = _UNSET, account: Account | None = None,
                       **kwargs: Any) -> httpx.Response:
        """Send a signin request with `body`, or with the profile's body for `account`."""
        if body is _UNSET:
            assert account is not None
            body = self.context.accounts.signin_body(account)
        if body is None:
            return self.request("POST", self.profile.endpoints.signin, **kwargs)
        return self.request("POST", self.profile.endpoints.signin, json=body, **kwargs)

    def signin(self, account: Account) -> Session:
        """Sign in with `account` and return its session; raise if signin does not succeed."""
        response = self.signin_request(account=account)
        if response.status_code not in self.profile.statuses.signin_success:
            raise HarnessError(
                f"could not sign in as test account {account.username!r}: signin returned "
                f"{response.status_code} {self._snippet(response)}"
            )
        return self.session_from_signin(account, response)

    def session_from_signin(self, account: Account, response: httpx.Response) -> Session:
        """Read the tokens and user fields of a successful signin response."""
        pointers = self.profile.signin_response
        body = self._json(response, "signin")
        access = self._token(response, body, pointers.access_token, "access", "signin")
        refresh = self._token(response, body, pointers.refresh_token, "refresh", "signin")
        return Session(
            account=account,
            access_token=access or "",
            refresh_token=refresh,
            user_id=self._optional(body, pointers.user_id),
            roles=self._optional(body, pointers.roles),
            response=response,
        )

    def new_session(self, role: str = "user") -> Session:
        """Create an account with `role` and sign in with it."""
        return self.signin(self.new_account(role))

    # Refresh and signout

    def refresh_request(self, refresh_token: Any, *, body: Any = _UNSET,
                        headers: dict[str, str] | None = None) -> httpx.Response:
        """Send a refresh request carrying `refresh_token` as the profile specifies."""
        transport = self.profile.refresh_token
        sent_headers = dict(headers or {})
        path = self.profile.endpoints.refresh
        if body is not _UNSET:
            return self.request("POST", path, json=body, headers=sent_headers)
        if transport.transport == "bearer":
            if refresh_token is not None:
                # h11 rejects a header value that ends in whitespace, so an empty token is
                # sent as the bare scheme `Bearer`.
                sent_headers["Authorization"] = f"Bearer {refresh_token}".rstrip()
            return self.request("POST", path, json={}, headers=sent_headers)
        if transport.transport == "cookie":
            if refresh_token is not None:
                sent_headers["Cookie"] = f"{transport.name}={refresh_token}"
            return self.request("POST", path, json={}, headers=sent_headers)
        return self.request("POST", path, json={transport.name: refresh_token},
                            headers=sent_headers)

    def refresh(self, session: Session) -> Session:
        """Refresh `session` and return the new session; raise if refresh does not succeed."""
        response = self.refresh_request(session.refresh_token)
        if response.status_code not in self.profile.statuses.refresh_success:
            raise HarnessError(
                f"could not refresh the session of {session.account.username!r}: refresh "
                f"returned {response.status_code} {self._snippet(response)}"
            )
        return self.session_from_refresh(session, response)

    def session_from_refresh(self, session: Session, response: httpx.Response) -> Session:
        """Read the tokens of a successful refresh response into a new session."""
        pointers = self.profile.refresh_response
        body = self._json(response, "refresh")
        access = self._token(response, body, pointers.access_token, "access", "refresh")
        refresh = self._token(response, body, pointers.refresh_token, "refresh", "refresh")
        return session.with_tokens(access or "", refresh or session.refresh_token)

    def signout(self, session: Session) -> httpx.Response:
        """Send a signout request for `session` with the credential the profile names."""
        path = self.profile.endpoints.signout
        if path is None:
            raise HarnessError("the profile has no signout endpoint")
        if self.profile.signout_credential == "access-token":
            return self.request("POST", path, json={},
                                headers=self.access_headers(session.access_token))
        transport = self.profile.refresh_token
        if transport.transport == "bearer":
            return self.request("POST", path, json={},
                                headers={"Authorization": f"Bearer {session.refresh_token}"})
        if transport.transport == "cookie":
            return self.request("POST", path, json={},
                                headers={"Cookie": f"{transport.name}={session.refresh_token}"})
        return self.request("POST", path, json={transport.name: session.refresh_token})

    # Reading responses

    def _json(self, response: httpx.Response, step: str) -> Any:
        try:
            return response.json()
        except (ValueError, UnicodeDecodeError):
            raise HarnessError(
                f"the {step} response is not JSON: {self._snippet(response)}"
            ) from None

    def _token(self, response: httpx.Response, body: Any, pointer: str | None, kind: str,
               step: str) -> str | None:
        transport = getattr(self.profile, f"{kind}_token")
        if transport.transport == "cookie":
            value = response.cookies.get(transport.name)
            if value is None and pointer is None:
                return None
        elif pointer is None:
            return None
        else:
            try:
                value = resolve(body, pointer)
            except PointerNotFound:
                raise HarnessError(
                    f"the {step} response has no {kind} token at JSON pointer {pointer!r}: "
                    f"{self._snippet(response)}"
                ) from None
        if not isinstance(value, str) or not value:
            raise HarnessError(
                f"the {step} response's {kind} token is not a non-empty string: "
                f"{type(value).__name__}"
            )
        self.redact.add(value)
        return value

    @staticmethod
    def _optional(body: Any, pointer: str | None) -> Any:
        if pointer is None:
            return None
        try:
            return resolve(body, pointer)
        except PointerNotFound:
            return None

    def _snippet(self, response: httpx.Response, limit: int = 200) -> str:
        # Redact before cutting, so that a cut through a token cannot leave its start unmasked.
        text = response.content[:limit + REDACTION_MARGIN].decode("utf-8", "replace")
        return self.redact(text)[:limit]

    def describe_token(self, token: str) -> str:
        """Return a redacted label for a token, safe for messages."""
        return mask(token)


def _read_body(response: httpx.Response) -> None:
    """Read the whole body of a streamed response, or raise httpx.ReadTimeout at the deadline.

    The deadline is checked after each chunk, which bounds a dripped body from any transport
    that does not enforce the exchange deadline itself.
    """
    chunks = []
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        if deadline_passed():
            raise httpx.ReadTimeout("the response body did not arrive in full before the "
                                    "exchange deadline", request=response.request)
    # This is what Response.read() stores, so `content` and later read() calls return it.
    response._content = b"".join(chunks)
