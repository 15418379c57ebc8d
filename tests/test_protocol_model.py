"""Unit tests of conformance.protocol_model: predictions from a profile, without a backend."""

from __future__ import annotations

import dataclasses

from conformance.profile import Profile
from conformance.profile_loader import load_profile
from conformance.protocol_model import (
    ACCEPT,
    EITHER,
    REJECT,
    Decision,
    ProtocolModel,
    SessionModel,
)

START = 2_000_000_000.0


def _profile(name: str = "reference", *, grace: int = 0, leeway: int = 0) -> Profile:
    profile = load_profile(name)
    refresh = dataclasses.replace(profile.refresh_token, grace_seconds=grace)
    access = dataclasses.replace(profile.access_token, leeway=leeway)
    return dataclasses.replace(profile, refresh_token=refresh, access_token=access)


def _signed_in(model: ProtocolModel) -> SessionModel:
    return model.record_signin("access-0", "refresh-0", START)


def test_access_accepted_before_exp() -> None:
    model = ProtocolModel(_profile())
    session = _signed_in(model)

    prediction = model.predict_access(session, session.access_tokens[0], START + 899)

    assert prediction.decisions == ACCEPT


def test_access_rejected_at_exp() -> None:
    model = ProtocolModel(_profile())
    session = _signed_in(model)

    prediction = model.predict_access(session, session.access_tokens[0], START + 900)

    assert prediction.decisions == REJECT
    assert "900 s" in prediction.reason


def test_access_leeway_extends_lifetime() -> None:
    model = ProtocolModel(_profile(leeway=30))
    session = _signed_in(model)
    token = session.access_tokens[0]

    assert model.predict_access(session, token, START + 929).decisions == ACCEPT
    assert model.predict_access(session, token, START + 930).decisions == REJECT


def test_access_rejected_before_nbf() -> None:
    model = ProtocolModel(_profile())
    session = _signed_in(model)

    prediction = model.predict_access(session, session.access_tokens[0], START - 1)

    assert prediction.decisions == REJECT


def test_access_undecided_after_signout() -> None:
    model = ProtocolModel(_profile())
    session = _signed_in(model)

    model.record_signout(session)

    assert model.predict_access(session, session.access_tokens[0], START + 1).decisions == EITHER
    assert model.predict_refresh(session, "refresh-0", START + 1).decisions == REJECT


def test_refresh_expires_after_lifetime() -> None:
    model = ProtocolModel(_profile())
    session = _signed_in(model)
    lifetime = model.refresh_lifetime

    assert model.predict_refresh(session, "refresh-0", START + lifetime - 1).decisions == ACCEPT
    assert model.predict_refresh(session, "refresh-0", START + lifetime).decisions == REJECT


def test_rejected_refresh_stays_rejected() -> None:
    model = ProtocolModel(_profile())
    session = _signed_in(model)

    model.record_refresh(session, "refresh-0", Decision.REJECTED, None, None, START + 5)

    assert model.predict_refresh(session, "refresh-0", START + 6).decisions == REJECT


def test_rotation_rejects_old_token() -> None:
    model = ProtocolModel(_profile("reference-rotating"))
    session = _signed_in(model)

    model.record_refresh(session, "refresh-0", Decision.ACCEPTED, "access-1", "refresh-1",
                         START + 10)

    assert session.current == "refresh-1"
    assert model.predict_refresh(session, "refresh-1", START + 11).decisions == ACCEPT
    assert model.predict_refresh(session, "refresh-0", START + 11).decisions == REJECT


def test_reuse_detection_revokes_family() -> None:
    model = ProtocolModel(_profile("reference-rotating"))
    session = _signed_in(model)
    model.record_refresh(session, "refresh-0", Decision.ACCEPTED, "access-1", "refresh-1",
                         START + 10)

    model.record_refresh(session, "refresh-0", Decision.REJECTED, None, None, START + 11)

    assert session.revoked
    assert model.predict_refresh(session, "refresh-1", START + 12).decisions == REJECT


def test_grace_window_accepts_old_token() -> None:
    profile = _profile("reference-rotating", grace=10)
    model = ProtocolModel(profile)
    session = _signed_in(model)
    model.record_refresh(session, "refresh-0", Decision.ACCEPTED, "access-1", "refresh-1",
                         START + 10)

    assert model.predict_refresh(session, "refresh-0", START + 19).decisions == ACCEPT
    assert model.predict_refresh(session, "refresh-0", START + 20).decisions == REJECT


def test_rotated_lifetime_is_undecided() -> None:
    model = ProtocolModel(_profile("reference-rotating"))
    session = _signed_in(model)
    model.record_refresh(session, "refresh-0", Decision.ACCEPTED, "access-1", "refresh-1",
                         START + 100)
    lifetime = model.refresh_lifetime

    # Between the signin's expiry and the rotated token's own expiry, backends differ.
    assert model.predict_refresh(session, "refresh-1", START + lifetime).decisions == EITHER
    assert model.predict_refresh(session, "refresh-1",
                                 START + 100 + lifetime).decisions == REJECT


def test_race_with_reuse_detection_revokes() -> None:
    model = ProtocolModel(_profile("reference-rotating"))
    session = _signed_in(model)

    model.record_race(session, 1, ["refresh-1"], START + 1)

    assert session.revoked


def test_race_without_rotation_changes_nothing() -> None:
    model = ProtocolModel(_profile())
    session = _signed_in(model)

    model.record_race(session, 2, ["refresh-0", "refresh-0"], START + 1)

    assert session.current == "refresh-0"
    assert not session.revoked
