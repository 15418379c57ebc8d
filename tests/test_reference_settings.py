"""Validation messages of ReferenceSettings and the reference server's command-line options."""

from __future__ import annotations

import argparse
import errno
import os
import re
from typing import Any

import pytest

from conformance.reference import DEFAULT_SIGNING_KEY, ReferenceSettings, SettingsError
from conformance.reference.server import (
    _listen_failure,
    add_arguments,
    describe_settings,
    settings_from_args,
)


def test_settings_defaults_match_protocol() -> None:
    settings = ReferenceSettings()

    assert settings.access_header == "x-access-token"
    assert settings.access_ttl == 900
    assert settings.refresh_ttl == 604_800
    assert settings.rotation == "none"
    assert settings.grace_seconds == 0
    assert settings.leeway == 0
    assert settings.signing_key == DEFAULT_SIGNING_KEY
    assert settings.database == ":memory:"
    assert settings.test_endpoints is False


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"access_header": "cookie"}, ["access_header", "'cookie'", "'x-access-token'"]),
        ({"access_ttl": 0}, ["access_ttl", "at least 1", "got 0", "such as 900"]),
        ({"access_ttl": 1.5}, ["access_ttl", "whole number", "1.5"]),
        ({"access_ttl": True}, ["access_ttl", "whole number", "True"]),
        ({"refresh_ttl": -5}, ["refresh_ttl", "got -5"]),
        ({"rotation": "always"}, ["rotation", "'always'", "'rotate-reuse-detection'"]),
        ({"grace_seconds": -1, "rotation": "rotate"}, ["grace_seconds", "got -1"]),
        ({"leeway": "5"}, ["leeway", "'5'", "Set leeway to a whole number"]),
        ({"signing_key": "short"}, ["signing_key", "5 bytes", "at least 32 bytes"]),
        ({"signing_key": b"x" * 40}, ["signing_key", "bytes", "string"]),
        ({"database": ""}, ["database", "''", ":memory:"]),
        ({"database": "/no/such/dir/x.db"}, ["database", "'/no/such/dir'", "does not exist"]),
        ({"password_hash_iterations": 0}, ["password_hash_iterations", "got 0"]),
        ({"test_endpoints": "yes"}, ["test_endpoints", "'yes'", "True or False"]),
        ({"grace_seconds": 5}, ["grace_seconds=5", "rotation='none'", "'rotate'"]),
    ],
    ids=lambda value: str(value),
)
def test_settings_invalid_value_message(overrides: dict[str, Any], expected: list[str]) -> None:
    with pytest.raises(SettingsError) as caught:
        ReferenceSettings(**overrides)

    for fragment in expected:
        assert fragment in str(caught.value)


def test_settings_error_is_value_error() -> None:
    with pytest.raises(ValueError, match="access_ttl"):
        ReferenceSettings(access_ttl=0)


def test_settings_short_key_message_hides_key() -> None:
    with pytest.raises(SettingsError) as caught:
        ReferenceSettings(signing_key="secret-value")

    assert "secret-value" not in str(caught.value)


def test_settings_repr_hides_signing_key() -> None:
    settings = ReferenceSettings(signing_key="k" * 40)

    assert "k" * 40 not in repr(settings)


def test_describe_settings_redacts_key() -> None:
    described = describe_settings(ReferenceSettings(signing_key="k" * 40))

    assert "k" * 40 not in described
    assert "custom, 40 chars" in described


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_arguments_default_to_settings_defaults() -> None:
    args = parse([])

    assert args.host == "127.0.0.1"
    assert args.port == 8080
    assert settings_from_args(args) == ReferenceSettings()


def test_arguments_set_every_field(tmp_path: Any) -> None:
    database = str(tmp_path / "reference.db")
    args = parse(
        [
            "--access-header", "authorization",
            "--access-ttl", "60",
            "--refresh-ttl", "120",
            "--rotation", "rotate",
            "--grace", "3",
            "--leeway", "2",
            "--signing-key", "s" * 32,
            "--database", database,
            "--password-hash-iterations", "1000",
            "--test-endpoints",
        ]
    )

    settings = settings_from_args(args)

    assert settings == ReferenceSettings(
        access_header="authorization",
        access_ttl=60,
        refresh_ttl=120,
        rotation="rotate",
        grace_seconds=3,
        leeway=2,
        signing_key="s" * 32,
        database=database,
        password_hash_iterations=1000,
        test_endpoints=True,
    )


@pytest.mark.parametrize(
    ("argv", "field", "expected"),
    [
        (["--access-ttl", "0"], "access_ttl",
         "--access-ttl must be at least 1 second, got 0. Set --access-ttl"),
        (["--refresh-ttl", "-1"], "refresh_ttl",
         "--refresh-ttl must be at least 1 second, got -1"),
        (["--leeway", "-1"], "leeway", "--leeway must be at least 0 seconds, got -1"),
        (["--grace", "5"], "grace_seconds", "--grace=5 has no effect with --rotation='none'"),
        (["--signing-key", "short"], "signing_key", "--signing-key is too short: 5 bytes"),
        (["--database", "/no/such/dir/x.db"], "database",
         "--database is invalid: '/no/such/dir/x.db'"),
        (["--password-hash-iterations", "0"], "password_hash_iterations",
         "--password-hash-iterations must be a whole"),
    ],
    ids=lambda value: value[0] if isinstance(value, list) else "",
)
def test_arguments_invalid_value_names_option(argv: list[str], field: str, expected: str) -> None:
    args = parse(argv)

    with pytest.raises(SettingsError) as caught:
        settings_from_args(args)

    assert expected in str(caught.value)
    # The settings field shows only as part of an option, such as --database.
    assert not re.search(rf"(?<!-){field}\b", str(caught.value))


@pytest.mark.parametrize("port", ["0", "-1", "65536", "99999", "http"])
def test_port_outside_range_rejected(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        parse(["--port", port])

    assert caught.value.code == 2
    assert "argument --port:" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["1", "8080", "65535"])
def test_port_inside_range_accepted(port: str) -> None:
    assert parse(["--port", port]).port == int(port)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (errno.EADDRINUSE, "another program already listens on port 8080"),
        (errno.EACCES, "pass --port 1024 or above"),
        (errno.EADDRNOTAVAIL, "192.0.2.1 is not an address of this machine"),
        (errno.ENOBUFS, "Check --host and --port"),
    ],
    ids=errno.errorcode.get,
)
def test_listen_failure_names_fix(code: int, expected: str) -> None:
    message = _listen_failure("192.0.2.1", 8080, OSError(code, os.strerror(code)))

    assert message.startswith("cannot listen on 192.0.2.1 port 8080: ")
    assert expected in message
