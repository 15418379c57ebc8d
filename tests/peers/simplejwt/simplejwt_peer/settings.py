"""Settings of the SimpleJWT peer with the library's defaults: no rotation, no blacklist.

The SQLite database lives at $SIMPLEJWT_PEER_DB, by default in the system's temporary folder, so
the server and the `createuser` command that provisions accounts share it.
"""

import os
import tempfile
from pathlib import Path

DEBUG = False
# A test-only key: SimpleJWT signs tokens with SECRET_KEY unless SIMPLE_JWT["SIGNING_KEY"] is set.
SECRET_KEY = "simplejwt-peer-test-signing-key-not-for-production"
# 127.0.0.1 for loopback servers, backend.test for the suite's in-process transport (--app).
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "backend.test", "testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "rest_framework_simplejwt",
    "simplejwt_peer",
]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "simplejwt_peer.urls"
WSGI_APPLICATION = "simplejwt_peer.wsgi.application"
USE_TZ = True

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get(
            "SIMPLEJWT_PEER_DB", str(Path(tempfile.gettempdir()) / "simplejwt-peer.sqlite3")
        ),
        "OPTIONS": {
            # The server's threads and the provisioning command write to one file. An
            # IMMEDIATE transaction takes SQLite's write lock at BEGIN, so a second writer
            # waits up to `timeout` seconds for it instead of failing "database is locked".
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
}

# Django's testing documentation suggests a fast hasher where password strength does not
# matter. Every signin computes one hash, and one PBKDF2 hash with Django 5.2's 1,000,000
# iterations took 0.25 s of CPU on a 2-core development machine.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

REST_FRAMEWORK = {
    # JWTAuthentication alone, as the SimpleJWT documentation configures it. DRF rejects an
    # unauthenticated request according to the first class: 401 with its WWW-Authenticate
    # header here, but 403 if SessionAuthentication came first.
    "DEFAULT_AUTHENTICATION_CLASSES": (
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ),
    # JSON only, so no error page or browsable API needs templates.
    "DEFAULT_RENDERER_CLASSES": ("rest_framework.renderers.JSONRenderer",),
}

# Empty: every SimpleJWT setting keeps its default (5 min access, 1 day refresh, HS256, leeway 0).
SIMPLE_JWT: dict[str, object] = {}

