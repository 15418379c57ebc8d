"""Reference backend with rotation whose parallel refreshes of one token respond with 500.

Each refresh reads the token row, awaits, and rotates the token as of that read (see
`racy_refresh`). The successor of a token is derived from it, so the second of two racing
rotations inserts the same successor again, the UNIQUE constraint of the token table raises
IntegrityError, and the app responds with 500. Run with `--profile reference-rotating`;
`concurrency.parallel-refresh-served` and `concurrency.parallel-refresh-policy` must fail.
"""

from __future__ import annotations

from tests.variants.racy_refresh import StaleReadStore, create_racy_app

app = create_racy_app(StaleReadStore())
