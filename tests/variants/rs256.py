"""Reference backend that signs access tokens with RS256, for the key-confusion check.

The backend's protocol is the reference's. Its tokens carry the reference's claims, re-signed with
RS256 by a test-only RSA key, and its verifier accepts RS256 alone. The clean RS256 backend must
pass `attack.key-confusion-rejected`; `tests.variants.key_confusion` adds the fault.
"""

from __future__ import annotations

import json
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from starlette.applications import Starlette

from conformance.profile_loader import load_profile
from conformance.reference import (
    AccessTokenInvalid,
    AccessTokens,
    AdjustableClock,
    User,
    create_app,
)
from conformance.reference_target import reference_settings_for
from conformance.tokens import resign

# Test-only RSA key. Never use it outside tests.
PRIVATE_KEY_PEM = """-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCsh5D4ux5mDtKn
ictTe4qh9aMaXSDTEoIPeSPL8zDZvAwnsNYvKAkvDTcF9tViQn4AUBH+KtYGQlmC
V++gHFfx88oyIczRrrWiZ0FVzFio2EdfEigVm5FxNlDAAjH6UJ5vswso23J7emvh
KIwCS73SPbp+kNKbDONaj/HVQcdIDZ/14qqhUqhKQmUJcLXtmhzKbc2FtVjlHaDW
WqYvC7OAUqtTa7iXolU0Cdp8o0J/vHgxYNW4js9SRXl9mfsX9sXnrkJWJ/AW1n9L
MqGY6AePA5BQ+VoyXmWRt4u3Uf+2hC0Nmw1B3PKtTvQxXZNEjBwvPEmS4QtAi3Yl
Fx8LtKyDAgMBAAECggEAIQrfrXts0YACQTsHOWhePzGDuM9gM3yGcz8wp2VelDzL
GSjphGOHCr9dq+M/r89rQVUUdRiwH8fCS8/aoU/8WebmcR5/EyOCPuXGog9+ZWvy
k1cvXSALxWJxKazh9H5PMbZZK0yICvUBx0AUPHZUFvlih83lv/NCcbxCxSSRbY95
vpj5EULR0fOhGdHdnElLcuCMKlxuzFq9Vq1HyYc6nLzpVdbhyYQqu69s6gxPVcAP
9x8tAP0drZXNijIwcBbIGXFUUrz/SEnEXjw3PH9GjpYZXVXvzlH9Oq+4gIPf713O
sGtPtxWkFsSNTRA7YGwmUf8UAgmO36YLTLR1GhX+sQKBgQDh84IPEVgn/PMAaqxf
BsEkSnjjgYIE4Lw9Z/rrojscMfkGG+zjAgtEDSd42b0ZPq0LExbFKOtLEbX5nDgO
hAMl6YyGdZjbfIVO3ryggJUeMDPVvK7CTClXSKo6hYGlbr3ks4bvJ9NnKS5cyozw
r4+zvt4GQCCwr/w7Lvv0znqYEwKBgQDDeVJ9g66bKwvCSipHqbExmuPAA0U+KC9N
Wq3gaKw+GEJ0I5MIsEI+yneI+w5akgOSYMRgcuDDJjWXcBFrI7KuLGwAGa51kdI7
M/En3QhVJ9nwIVVj38QsXaco/UQkPxyL1mb2mMp8wFVVf/kFNBrFyc594LIeg8Xc
qmvv3XIH0QKBgQCN+rKF/1MSxYp4f49Sou7oe/dclft6TzFZsKXmPOnBvNEK+q8u
shEcMNvVv5RocY7Qv6z2NNEtObLMZ1J+JIvJ3eiUcP6dJLCrr6B9hm6tKoLX0plJ
tAviMeHtpgiiSGUAeaLXUoIvd5wPaKOJdffpbY0cBl3ESMFI+ywNV1WHiwKBgQCn
zo4fTB1n/dMxbsPPE4EXSZW879HQo2TALllYbeN3xxG9bBC8g7vK9bsacBQJcpH4
ZnQPLG+BeFrHb6C0bkflOCNbDrDzI0TsKBIdm6WcnQJ+H8+TVrStNZTcHlgSGc/i
yCNKDS6/W8mmBZ98dReKtk07SNsAUTVZ0z+oAl3zEQKBgGCV4D+eAt33KQxJgBly
1AVgJJccA7vuYvr2c9L8te9RnWkCGVxYUNfZmEf5hJyuc93hCZuemflj8P6RffDc
OtnJoaHOwfuecT60nBs0oSYL3tG/W6n52SL0vAvW2UP5WWhMeQXgV2uVpKJIRKJ+
uUG7oUdYHGXrt7q/PtsErWLq
-----END PRIVATE KEY-----
"""
PUBLIC_KEY_PEM = serialization.load_pem_private_key(
    PRIVATE_KEY_PEM.encode("ascii"), password=None
).public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
).decode("ascii")

# The claims the reference backend requires in every access token.
REQUIRED_CLAIMS = ("exp", "iat", "jti", "sub")


class RS256AccessTokens(AccessTokens):
    """Reference access tokens signed and verified with RS256 instead of HS256."""

    def issue(self, user: User) -> str:
        return resign(super().issue(user), PRIVATE_KEY_PEM, "RS256")

    def decode_signed(self, token: str) -> dict[str, Any]:
        try:
            payload = json.loads(jwt.PyJWS().decode(token, PUBLIC_KEY_PEM, algorithms=["RS256"]))
        except (jwt.PyJWTError, ValueError) as error:
            raise AccessTokenInvalid("The access token signature is invalid") from error
        if not isinstance(payload, dict):
            raise AccessTokenInvalid("The access token is malformed")
        for claim in REQUIRED_CLAIMS:
            if claim not in payload:
                raise AccessTokenInvalid(f"The access token has no {claim} claim")
        return payload


def profile_text() -> str:
    """Return a profile that extends `reference` with RS256 and this backend's keys."""
    return (
        'extends = "reference"\n'
        'name = "reference-rs256"\n\n'
        "[access_token]\n"
        'alg = "RS256"\n'
        f'signing_key = """{PRIVATE_KEY_PEM}"""\n'
        f'public_key = """{PUBLIC_KEY_PEM}"""\n'
    )


def create_rs256_app(tokens: type[RS256AccessTokens] = RS256AccessTokens) -> Starlette:
    """Build the reference backend for the `reference` profile with RS256 access tokens."""
    settings = reference_settings_for(load_profile("reference"))
    clock = AdjustableClock()
    return create_app(settings, clock=clock, access_tokens=tokens(settings, clock))


app = create_rs256_app()
