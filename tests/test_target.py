"""Tests of target construction from user options."""

from __future__ import annotations

import pytest

from conformance.target import TargetError, url_target


@pytest.mark.parametrize("url", ["localhost:8080", "ftp://127.0.0.1", "http://", "http://h:99999"])
def test_url_target_rejects_invalid(url: str) -> None:
    with pytest.raises(TargetError) as raised:
        url_target(url, timeout=1)

    assert repr(url) in str(raised.value)


def test_url_target_port_range_explained() -> None:
    with pytest.raises(TargetError, match="1 to 65535"):
        url_target("http://127.0.0.1:70000", timeout=1)


def test_url_target_strips_trailing_slash() -> None:
    target = url_target("http://127.0.0.1:8080/", timeout=1)

    assert target.base_url == "http://127.0.0.1:8080"
    assert target.trust_env is False
