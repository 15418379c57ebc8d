"""The protocol model: how a backend must respond, predicted from its profile alone.

It tracks each signin session (its access tokens, refresh tokens and revocation) and the
clock, and predicts each decision on a token as a set of allowed decisions. A set with both
decisions means that the profile does not decide the case, so the model takes the backend's
decision as the truth.
Times are epoch seconds of the suite's clock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from conformance.profile import Profile


class Decision(enum.Enum):
    """The backend's decision on a token: accepted or rejected."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"


ACCEPT = frozenset({Decision.ACCEPTED})
REJECT = frozenset({Decision.REJECTED})
EITHER = frozenset({Decision.ACCEPTED, Decision.REJECTED})


@dataclass(frozen=True)
class Prediction:
    """The decisions the profile allows, and the rule of the profile that sets them."""

    decisions: frozenset[Decision]
    reason: str

    def allows(self, decision: Decision) -> bool:
        return decision in self.decisions

    def describe(self) -> str:
        """Return "accepted", "rejected" or "accepted or rejected"."""
        return " or ".join(decision.value for decision in Decision if decision in self.decisions)


@dataclass
class AccessTokenModel:
    """An access token and the second it was issued."""

    token: str
    issued_at: float


@dataclass
class SessionModel:
    """One signin: its access tokens, its refresh tokens and what the backend did to them.

    `current_since` is when the current refresh token was issued; `rotated_out` maps each
    replaced refresh token to the time it was replaced.
    """

    number: int
    signed_in_at: float
    access_tokens: list[AccessTokenModel]
    current: str | None
    current_since: float
    rotated_out: dict[str, float] = field(default_factory=dict)
    dead: set[str] = field(default_factory=set)
    revoked: bool = False
    signed_out: bool = False

    @property
    def last_change(self) -> float:
        """Return the latest time the backend changed this session's refresh tokens."""
        return max([self.current_since, *self.rotated_out.values()])


class ProtocolModel:
    """Predictions for one profile, which the driver updates with the `record_*` methods."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        access = profile.access_token
        refresh = profile.refresh_token
        self.access_lifetime = access.lifetime
        self.leeway = access.leeway
        self.declares_nbf = "nbf" in access.claims
        self.refresh_lifetime = refresh.lifetime
        self.rotation = refresh.rotation
        self.grace = refresh.grace_seconds
        self.sessions: list[SessionModel] = []

    # Access tokens

    def predict_access(self, session: SessionModel, token: AccessTokenModel,
                       now: float) -> Prediction:
        """Predict the decision on `token` at a protected resource at `now`."""
        age = now - token.issued_at
        expires = self.access_lifetime + self.leeway
        # RFC 7519 §4.1.4: not accepted on or after exp, here issue time + lifetime.
        if age >= expires:
            return Prediction(REJECT, f"the token was issued {age:g} s ago and expires after "
                                      f"lifetime {self.access_lifetime} s + leeway "
                                      f"{self.leeway} s")
        # RFC 7519 §4.1.5: not accepted before nbf, which the profile's tokens set at issue.
        if age < -self.leeway:
            if self.declares_nbf:
                return Prediction(REJECT, f"the clock is {-age:g} s before the token's nbf, more "
                                          f"than the leeway of {self.leeway} s")
            return Prediction(EITHER, "the clock is before the token's issue time and the "
                                      "profile lists no nbf claim")
        # Signout need not revoke access tokens, which usually live on until exp.
        if session.signed_out:
            return Prediction(EITHER, "the session signed out, and access tokens may live on "
                                      "until exp")
        return Prediction(ACCEPT, f"the token was issued {age:g} s ago and lives "
                                  f"{self.access_lifetime} s + leeway {self.leeway} s")

    # Refresh tokens

    def predict_refresh(self, session: SessionModel, token: str, now: float) -> Prediction:
        """Predict the decision on a refresh with `token` at `now`."""
        if session.revoked:
            return Prediction(REJECT, "the session's refresh tokens were revoked by signout or "
                                      "by reuse detection")
        if token in session.dead:
            return Prediction(REJECT, "this refresh token was rejected before and must stay "
                                      "rejected")
        if token == session.current:
            return self._current_alive(session, now)

        rotated_at = session.rotated_out.get(token)
        if rotated_at is None or session.current is None:
            return Prediction(REJECT, "the backend never issued this refresh token")
        if now < rotated_at + self.grace:
            if session.current in session.dead:
                return Prediction(REJECT, "the session's current refresh token was rejected")
            current = self._current_alive(session, now)
            return Prediction(current.decisions, f"the token was rotated out {now - rotated_at:g} "
                                               f"s ago, inside the grace window of {self.grace} "
                                               f"s, and {current.reason}")
        return Prediction(REJECT, f"the token was rotated out {now - rotated_at:g} s ago and the "
                                  f"grace window is {self.grace} s")

    def _current_alive(self, session: SessionModel, now: float) -> Prediction:
        # A rotated token lives refresh_lifetime from its own issue, or, in backends that keep
        # the signin's expiry for the whole session, from the signin. The profile does not say
        # which, so the time between the two is undecided.
        earliest_end = session.signed_in_at + self.refresh_lifetime
        latest_end = session.current_since + self.refresh_lifetime
        age = now - session.current_since
        if now < earliest_end:
            return Prediction(ACCEPT, f"the refresh token is {age:g} s old and lives "
                                      f"{self.refresh_lifetime} s")
        if now >= latest_end:
            return Prediction(REJECT, f"the refresh token is {age:g} s old and lives only "
                                      f"{self.refresh_lifetime} s")
        return Prediction(EITHER, "the refresh token is within its lifetime, but the session "
                                  "is older than that lifetime")

    # Recording decisions

    def record_signin(self, access_token: str, refresh_token: str | None,
                      now: float) -> SessionModel:
        """Start a session for a successful signin at `now`."""
        session = SessionModel(
            number=len(self.sessions),
            signed_in_at=now,
            access_tokens=[AccessTokenModel(access_token, now)],
            current=refresh_token,
            current_since=now,
        )
        self.sessions.append(session)
        return session

    def record_refresh(self, session: SessionModel, sent: str, decision: Decision,
                       access_token: str | None, returned: str | None, now: float) -> None:
        """Update `session` after a refresh with `sent` at `now` got `decision`."""
        if decision is Decision.REJECTED:
            self._record_rejected_refresh(session, sent, now)
            return

        if access_token is not None:
            session.access_tokens.append(AccessTokenModel(access_token, now))
        if self.rotation == "none" or returned is None or returned == session.current:
            return
        # Rotation (RFC 6749 §6): the returned token replaces the current one.
        assert session.current is not None
        session.rotated_out[session.current] = now
        session.current = returned
        session.current_since = now

    def _record_rejected_refresh(self, session: SessionModel, sent: str, now: float) -> None:
        rotated_at = session.rotated_out.get(sent)
        reused = rotated_at is not None and now >= rotated_at + self.grace
        if reused and self.rotation == "rotate-reuse-detection":
            # RFC 9700 §4.14.2: reuse of a rotated-out token revokes the whole family.
            session.revoked = True
        # A rejected token stays rejected, whatever the clock does later.
        session.dead.add(sent)

    def record_race(self, session: SessionModel, winners: int, issued: list[str],
                    now: float) -> None:
        """Update `session` after parallel refreshes with its current token at `now`."""
        if self.rotation == "none" or winners == 0:
            return
        if self.rotation == "rotate-reuse-detection" and self.grace == 0 and winners > 0:
            # The losing calls replayed a rotated-out token, so the family is revoked.
            session.revoked = True
            return
        fresh = [token for token in dict.fromkeys(issued) if token != session.current]
        if fresh:
            assert session.current is not None
            session.rotated_out[session.current] = now
            session.current = fresh[-1]
            session.current_since = now

    def record_signout(self, session: SessionModel) -> None:
        """Revoke `session` after a successful signout."""
        session.revoked = True
        session.signed_out = True
