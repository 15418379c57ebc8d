"""Checks of the concurrency family: many requests with one expired token, parallel refresh
calls with one refresh token, and refresh racing signout.
"""

from conformance.registry import Level, declare

STORM_SINGLE_REFRESH = declare(
    "concurrency.storm-single-refresh",
    level=Level.MUST,
    reference="RFC 6749 §6; profile statuses.expired_token",
    stimulus="Fire N requests for a protected resource together with one expired access token "
             "through the suite's correct client, which refreshes once for all of them "
             "(N is --concurrency, 50 by default).",
    requirement="Exactly one refresh request reaches the backend, as counted by the suite's "
                "transport and, where the backend offers a count (in-process metrics or "
                "GET /api/test/stats), by the backend itself.",
)
STORM_REQUESTS_SUCCEED = declare(
    "concurrency.storm-requests-succeed",
    level=Level.MUST,
    reference="RFC 6750 §3.1; profile statuses.expired_token",
    stimulus="Fire N requests for a protected resource together with one expired access token "
             "through the suite's correct client.",
    requirement="Every request first gets the profile's expired-token status, and "
                "every one succeeds when the client retries it with the refreshed token.",
)
PARALLEL_REFRESH_SERVED = declare(
    "concurrency.parallel-refresh-served",
    level=Level.MUST,
    reference="RFC 6749 §6; RFC 9110 §15.6",
    stimulus="Send N refresh calls with one refresh token together, straight at the backend.",
    requirement="Every call gets a response within the request timeout, and none gets a 5xx "
                "status.",
)
PARALLEL_REFRESH_POLICY = declare(
    "concurrency.parallel-refresh-policy",
    level=Level.MUST,
    reference="RFC 6749 §6, §10.4; RFC 9700 §4.14.2; profile refresh_token.rotation and "
              "refresh_token.grace_seconds",
    stimulus="Send N refresh calls with one refresh token together, straight at the backend.",
    requirement="The calls that succeed match the rotation policy: all of them without "
                "rotation or within a grace window, exactly one under rotation; every other "
                "call is rejected with the profile's failed-refresh status.",
)
PARALLEL_REFRESH_CONSISTENT = declare(
    "concurrency.parallel-refresh-consistent",
    level=Level.MUST,
    reference="RFC 6749 §6; RFC 9700 §4.14.2; profile refresh_token.rotation",
    stimulus="After N parallel refresh calls with one refresh token, refresh once with each "
             "refresh token the calls returned, and with the raced token.",
    requirement="Exactly one of the returned tokens still works, so the session has one live "
                "token family; none works when reuse detection revoked the family. Under "
                "rotation without a grace window the raced token is rejected.",
)
REFRESH_SIGNOUT_RACE = declare(
    "concurrency.refresh-signout-race",
    level=Level.MUST,
    reference="RFC 7009 §2.1; RFC 9700 §4.14.2; profile endpoints.signout",
    stimulus="Send N refresh calls and one signout of the same session together.",
    requirement="The signout succeeds, and afterwards no refresh token of the session works: "
                "neither the raced one nor any that a refresh call won during the race.",
)
