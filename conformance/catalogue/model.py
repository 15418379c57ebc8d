"""The model check: a Hypothesis state machine that predicts every response from the profile."""

from conformance.registry import Level, declare

PROTOCOL_STATE_MACHINE = declare(
    "model.protocol-state-machine",
    level=Level.MUST,
    reference="RFC 6749 §6, §10.4; RFC 7519 §4.1.4-4.1.5; RFC 9700 §4.14.2; profile lifetimes, "
              "leeway, rotation, grace_seconds and endpoints.signout",
    stimulus="Hypothesis runs sequences of signin, protected request, clock move, refresh, "
             "signout and parallel refresh against the backend, with the clock moved through "
             "the profile's lifetimes, leeway and grace window.",
    requirement="Every answer matches the model's prediction from the profile: access tokens "
                "open resources until exp + leeway and not before nbf, refresh tokens work "
                "until their lifetime ends, rotation, grace window and reuse detection act as "
                "declared, and signout revokes the refresh token.",
)
