"""The catalogue of checks, one module per family; importing it declares every check."""

from conformance.catalogue import (
    access,
    attack,
    client,
    concurrency,
    expiry,
    input,
    logout,
    model,
    refresh,
    signin,
    signup,
    token,
)

__all__ = [
    "access",
    "attack",
    "client",
    "concurrency",
    "expiry",
    "input",
    "logout",
    "model",
    "refresh",
    "signin",
    "signup",
    "token",
]
