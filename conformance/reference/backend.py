"""The parts of one reference backend instance that every handler shares."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.reference.clock import AdjustableClock
from conformance.reference.metrics import Metrics
from conformance.reference.passwords import PasswordHasher
from conformance.reference.records import RefreshPolicy
from conformance.reference.settings import ReferenceSettings
from conformance.reference.store import Store
from conformance.reference.tokens import AccessTokenService


@dataclass
class Backend:
    """Settings, clock, storage, token service, password hasher and counters of one app."""

    settings: ReferenceSettings
    clock: AdjustableClock
    store: Store
    access_tokens: AccessTokenService
    passwords: PasswordHasher
    metrics: Metrics

    @property
    def refresh_policy(self) -> RefreshPolicy:
        return RefreshPolicy.from_settings(self.settings)
