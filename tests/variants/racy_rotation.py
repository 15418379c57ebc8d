"""Reference backend with rotation whose parallel refreshes of one token all succeed.

Each refresh reads the token row, awaits, and rotates the token as of that read, with a random
successor (see `racy_refresh`). Every parallel call reads the token as unused, so each gets its own
successor: the session forks into as many live refresh tokens as there were calls, and reuse
detection never fires. Run with `--profile reference-rotating`;
`concurrency.parallel-refresh-policy` and `concurrency.parallel-refresh-consistent` must fail.
"""

from __future__ import annotations

import secrets

from tests.variants.racy_refresh import StaleReadStore, create_racy_app


class ForkingStore(StaleReadStore):
    """Gives every rotation a new random successor, so racing rotations never collide."""

    def successor_token(self, token: str) -> str:
        return secrets.token_urlsafe(32)


app = create_racy_app(ForkingStore())
