"""Settings of the SimpleJWT peer with refresh-token rotation and the blacklist app.

Each refresh returns a new refresh token and blacklists the one it was given
(ROTATE_REFRESH_TOKENS and BLACKLIST_AFTER_ROTATION in the SimpleJWT settings documentation).
"""

from simplejwt_peer.settings import *  # noqa: F403
from simplejwt_peer.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework_simplejwt.token_blacklist"]

SIMPLE_JWT = {
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}
