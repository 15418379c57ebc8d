"""The run stops sending requests to a backend whose connections keep failing."""

from __future__ import annotations

from conformance.reachability import Reachability

URL = "http://127.0.0.1:9"


def test_sends_until_threshold() -> None:
    reachability = Reachability(URL, threshold=3, retry_after=60.0)

    for _ in range(2):
        reachability.connect_failed("ConnectError: refused")

    assert reachability.blocked("GET /a") is None


def test_blocks_after_threshold() -> None:
    reachability = Reachability(URL, threshold=3, retry_after=60.0)

    for _ in range(3):
        reachability.connect_failed("ConnectError: refused")
    reason = reachability.blocked("GET /a")

    assert reason is not None
    assert URL in reason
    assert "ConnectError: refused" in reason
    assert "--target" in reason


def test_message_stable_across_probes() -> None:
    reachability = Reachability(URL, threshold=2, retry_after=60.0)
    for _ in range(2):
        reachability.connect_failed("ConnectError: refused")
    before = reachability.blocked("GET /a")

    reachability.connect_failed("ConnectError: refused")

    assert before is not None
    assert reachability.blocked("GET /a") == before


def test_response_unblocks() -> None:
    reachability = Reachability(URL, threshold=1, retry_after=60.0)
    reachability.connect_failed("ConnectError: refused")

    reachability.responded("GET /a")

    assert reachability.blocked("GET /a") is None


def test_probe_after_retry_interval() -> None:
    reachability = Reachability(URL, threshold=1, retry_after=0.0)
    reachability.connect_failed("ConnectError: refused")

    assert reachability.blocked("GET /a") is None


def test_blocks_within_retry_interval() -> None:
    reachability = Reachability(URL, threshold=1, retry_after=60.0)
    reachability.connect_failed("ConnectError: refused")

    assert reachability.blocked("GET /a") is not None
    assert reachability.blocked("GET /a") is not None


def test_timeouts_block_one_endpoint() -> None:
    reachability = Reachability(URL, threshold=2, retry_after=60.0)

    for _ in range(2):
        reachability.timed_out("POST /signin", "ReadTimeout: deadline passed")

    reason = reachability.blocked("POST /signin")
    assert reason is not None
    assert "POST /signin" in reason
    assert "--timeout" in reason
    assert reachability.blocked("GET /public") is None


def test_response_elsewhere_keeps_endpoint_blocked() -> None:
    reachability = Reachability(URL, threshold=1, retry_after=60.0)
    reachability.timed_out("POST /signin", "ReadTimeout: deadline passed")

    reachability.responded("GET /public")

    assert reachability.blocked("POST /signin") is not None


def test_endpoint_response_unblocks_it() -> None:
    reachability = Reachability(URL, threshold=1, retry_after=60.0)
    reachability.timed_out("POST /signin", "ReadTimeout: deadline passed")

    reachability.responded("POST /signin")

    assert reachability.blocked("POST /signin") is None
