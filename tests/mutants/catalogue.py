"""Every mutant and every clean run that tests/test_mutants.py runs the scenarios against."""

from __future__ import annotations

from tests.mutants import access, accounts, attacks, expiry, quirks, refresh, sessions, tokens
from tests.mutants.base import LEEWAY_PROFILE, CleanRun, Mutant

MUTANTS: tuple[Mutant, ...] = (
    *accounts.MUTANTS,
    *access.MUTANTS,
    *expiry.MUTANTS,
    *refresh.MUTANTS,
    *sessions.MUTANTS,
    *tokens.MUTANTS,
    *attacks.MUTANTS,
)

CLEAN_RUNS: tuple[CleanRun, ...] = (
    CleanRun("reference", quirks.reference, "reference"),
    CleanRun(
        "reference-rotating", quirks.reference_rotating, "reference-rotating",
        expected_warnings={
            "client.angular12-second-refresh":
                "the Angular 11/12 interceptor model keeps the refresh token of signin, which "
                "rotation has revoked by the second refresh",
        },
    ),
    CleanRun("reference-leeway", quirks.reference_leeway, LEEWAY_PROFILE),
    CleanRun("express-like", quirks.express_like, "bezkoder-express"),
    CleanRun("spring-like", quirks.spring_like, "bezkoder-spring"),
)
