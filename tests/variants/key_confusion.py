"""RS256 reference backend whose verifier also accepts HMAC tokens keyed with its public key.

This is the fault of a verifier that takes the algorithm from the token header and passes its
one key to it. A token switched to HS256 and signed with the public key's PEM text as the HMAC
secret then verifies (RFC 8725 §2.1). `attack.key-confusion-rejected` must fail.
"""

from __future__ import annotations

from typing import Any

import jwt
from jwt.algorithms import get_default_algorithms
from jwt.utils import base64url_decode

from conformance.reference import AccessTokenInvalid
from tests.variants.rs256 import PUBLIC_KEY_PEM, RS256AccessTokens, create_rs256_app


class KeyConfusionAccessTokens(RS256AccessTokens):
    """RS256 access tokens; a token that names an HMAC algorithm is checked with the public key."""

    def decode_signed(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise AccessTokenInvalid("The access token is malformed") from error
        alg = str(header.get("alg", ""))
        if alg not in ("HS256", "HS384", "HS512"):
            return super().decode_signed(token)

        # pyjwt rejects a PEM key as an HMAC secret in prepare_key, so the fault calls the
        # algorithm's verify directly, as verifiers without that guard do.
        signing_input, _, signature = token.rpartition(".")
        algorithm = get_default_algorithms()[alg]
        if not algorithm.verify(signing_input.encode("ascii"), PUBLIC_KEY_PEM.encode("ascii"),
                                base64url_decode(signature)):
            raise AccessTokenInvalid("The access token signature is invalid")
        return dict(jwt.decode(token, options={"verify_signature": False}))


app = create_rs256_app(KeyConfusionAccessTokens)
