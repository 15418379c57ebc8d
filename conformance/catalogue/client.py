"""Checks of the client family: verdicts on how known clients fare against the backend.

Each verdict check runs one flow through a model of a widely copied client, under time limits,
next to the suite's correct client. A known client that breaks is a SHOULD-level warning,
because the backend may be right and the client wrong. `client.correct-client-flows` is the
MUST-level control: it fails when the correct client breaks in a flow the profile promises.
"""

from conformance.registry import Level, declare

_FLOWS = (
    "Flows: one request after the access token expired; 5 requests that find it expired "
    "together; two expiries in a row; a request after the refresh token expired."
)

CORRECT_CLIENT_FLOWS = declare(
    "client.correct-client-flows",
    level=Level.MUST,
    reference="RFC 6749 §6; profile statuses.expired_token, statuses.refresh_failed, "
              "refresh_token.rotation",
    stimulus="Run every flow through the suite's correct client. " + _FLOWS,
    requirement="Requests succeed after one refresh per expiry, the next refresh accepts the "
                "refresh token the last one returned, and an expired refresh token is "
                "rejected with the profile's failed-refresh status, so the client logs out.",
)
ANGULAR12_EXPIRED_ACCESS = declare(
    "client.angular12-expired-access",
    level=Level.SHOULD,
    reference="profile statuses.expired_token and refresh.response; Angular 11/12 tutorial "
              "interceptor",
    stimulus="Request a protected resource through the Angular 11/12 interceptor model after "
             "the access token expired.",
    requirement="The interceptor refreshes on the 401 and its retry succeeds.",
)
ANGULAR12_CONCURRENT_EXPIRED = declare(
    "client.angular12-concurrent-expired",
    level=Level.SHOULD,
    reference="profile statuses.expired_token; Angular 11/12 tutorial interceptor",
    stimulus="Send 5 requests through the Angular 11/12 interceptor model that all find the "
             "access token expired.",
    requirement="The interceptor queues them behind one refresh and every retry succeeds.",
)
ANGULAR12_SECOND_REFRESH = declare(
    "client.angular12-second-refresh",
    level=Level.SHOULD,
    reference="RFC 6749 §6; profile refresh_token.rotation; Angular 11/12 tutorial interceptor",
    stimulus="Let the access token expire twice while requesting through the Angular 11/12 "
             "interceptor model, which keeps the refresh token of signin.",
    requirement="The second refresh succeeds too, so a backend that rotates refresh tokens "
                "does not log this client out at its second refresh.",
)
ANGULAR12_REFRESH_REJECTED = declare(
    "client.angular12-refresh-rejected",
    level=Level.SHOULD,
    reference="profile statuses.refresh_failed; Angular 11/12 tutorial interceptor",
    stimulus="Request through the Angular 11/12 interceptor model after the refresh token "
             "expired.",
    requirement="The interceptor logs out and the request fails promptly. A refresh rejected with "
                "with 401 deadlocks it, because its refresh call re-enters the interceptor "
                "and waits for the refresh in flight.",
)
ANGULAR17_EXPIRED_ACCESS = declare(
    "client.angular17-expired-access",
    level=Level.SHOULD,
    reference="profile statuses.expired_token; Angular 17 tutorial interceptor",
    stimulus="Request a protected resource through the Angular 17 interceptor model after the "
             "access token expired.",
    requirement="The interceptor refreshes on the 401 and its retry succeeds.",
)
ANGULAR17_CONCURRENT_EXPIRED = declare(
    "client.angular17-concurrent-expired",
    level=Level.INFO,
    reference="Angular 17 tutorial interceptor",
    stimulus="Send 5 requests through the Angular 17 interceptor model that all find the "
             "access token expired.",
    requirement="Reported only: this interceptor does not queue, so requests that fail while "
                "its refresh is in flight fail against any backend.",
)
ANGULAR17_SECOND_REFRESH = declare(
    "client.angular17-second-refresh",
    level=Level.SHOULD,
    reference="RFC 6749 §6; profile refresh_token.rotation; Angular 17 tutorial interceptor",
    stimulus="Let the access token expire twice while requesting through the Angular 17 "
             "interceptor model.",
    requirement="Both refreshes succeed and both retries succeed.",
)
ANGULAR17_REFRESH_REJECTED = declare(
    "client.angular17-refresh-rejected",
    level=Level.SHOULD,
    reference="profile statuses.refresh_failed; Angular 17 tutorial interceptor",
    stimulus="Request through the Angular 17 interceptor model after the refresh token expired.",
    requirement="The interceptor logs out. It does so only on a 403 from the refresh endpoint; "
                "any other rejection leaves the user signed in with dead tokens.",
)
