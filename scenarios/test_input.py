"""Scenarios of the input family: generated bad input never crashes the auth endpoints.

Schemathesis builds every request from the profile's OpenAPI document, and the harness sends it.
The fixed coverage cases run in full. The generated ones are bounded by --fuzz-examples and
derandomized, so a run repeats. A failure names the minimal request as a curl line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import httpx
import pytest

from conformance.expect import describe_statuses
from conformance.fuzz import run_examples
from conformance.harness import Harness, RunContext
from conformance.input_bodies import valid_body_factory
from conformance.input_cases import OVERSIZED_LENGTH, InputCases, Oversized
from conformance.input_requests import (
    InputRequest,
    large_body_reproducer,
    send_input,
    shorten_large_bodies,
)
from conformance.openapi import declared_statuses
from conformance.outcome import CheckFailed
from conformance.plugin import collection_profile, run_options
from conformance.profile import Profile

NO_OPERATION = "no-operation"

T = TypeVar("T")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    profile = collection_profile(metafunc.config)
    cases = InputCases(profile) if profile is not None else None
    if "operation" in metafunc.fixturenames:
        names = cases.operation_names if cases is not None else []
        metafunc.parametrize("operation", names or [NO_OPERATION])
    if "body_operation" in metafunc.fixturenames:
        names = cases.body_operation_names() if cases is not None else []
        metafunc.parametrize("body_operation", names or [NO_OPERATION])


@pytest.fixture(scope="module")
def input_cases(conformance_context: RunContext) -> InputCases:
    """Provide the Schemathesis view of the profile's auth operations."""
    return InputCases(conformance_context.profile)


@pytest.fixture
def fuzz_examples(pytestconfig: pytest.Config) -> int:
    """Provide the number of generated examples per operation (--fuzz-examples)."""
    return run_options(pytestconfig).fuzz_examples


def _skip_placeholder(operation: str) -> None:
    if operation == NO_OPERATION:
        pytest.skip("the profile names no auth operation that this check applies to")


# Helpers


def _what(request: InputRequest) -> str:
    return f"{request.operation} ({request.method} {request.path}) with {request.description}"


def _received(response: httpx.Response) -> str:
    return f"{response.status_code} {response.reason_phrase}".strip()


def _curl(harness: Harness) -> str:
    return harness.exchanges[-1].curl(harness.redact)


def _run_each(harness: Harness, requests: Iterable[T], check: Callable[[T], None]) -> None:
    """Call `check` on each request, and on the first failure keep only its exchanges."""
    first = len(harness.exchanges)
    for request in requests:
        start = len(harness.exchanges)
        try:
            check(request)
        except CheckFailed:
            del harness.exchanges[first:start]
            raise


def _expect_client_error(harness: Harness, request: InputRequest, remedy: str) -> None:
    response = send_input(harness, request)
    if 400 <= response.status_code < 500:
        return
    if response.status_code >= 500:
        outcome = "crashed"
    elif response.status_code < 300:
        outcome = "accepted it"
    else:
        outcome = "did not reject it"
    raise CheckFailed(
        f"{_what(request)}: the backend {outcome} with {_received(response)}",
        expected="a 4xx status",
        received=_received(response),
        remedy=f"{remedy}; minimal request: {_curl(harness)}",
    )


def _expect_no_server_error(harness: Harness, request: InputRequest) -> None:
    response = send_input(harness, request)
    if response.status_code < 500:
        return
    raise CheckFailed(
        f"{_what(request)}: the backend responded with {_received(response)}",
        expected="a status below 500",
        received=_received(response),
        remedy="validate the request and reject it with a 4xx status; read the backend's log "
        f"for the exception; minimal request: {_curl(harness)}",
    )


def _invalid_status_field(profile: Profile, operation: str) -> str:
    if operation != "signout":
        return f"statuses.{operation}_invalid"
    if profile.signout_credential == "access-token":
        return "statuses.invalid_token"
    return "statuses.refresh_invalid"


def _expect_declared_status(harness: Harness, request: InputRequest) -> None:
    declared = declared_statuses(harness.profile, request.operation)
    response = send_input(harness, request)
    if response.status_code in declared:
        return
    if response.status_code >= 500:
        remedy = "the backend failed on this request; validate it and respond with a declared 4xx"
    else:
        field = _invalid_status_field(harness.profile, request.operation)
        remedy = (f"respond with a declared status, or add {response.status_code} to the matching "
                  f"field of the profile's [statuses] table, such as {field}")
    raise CheckFailed(
        f"{_what(request)}: the backend responded with {_received(response)}, a status the profile "
        f"does not declare for {request.operation}",
        expected=describe_statuses(declared),
        received=_received(response),
        remedy=f"{remedy}; minimal request: {_curl(harness)}",
    )


# Checks


@pytest.mark.check("input.no-server-error")
def test_input_no_server_error(harness: Harness, input_cases: InputCases, operation: str,
                               fuzz_examples: int) -> None:
    _skip_placeholder(operation)
    requests = input_cases.coverage_requests(operation, include_request_shape=True)
    _run_each(harness, requests, lambda request: _expect_no_server_error(harness, request))

    run_examples(harness, input_cases.fuzz_requests(operation),
                 lambda request: _expect_no_server_error(harness, request),
                 examples=fuzz_examples)


@pytest.mark.check("input.declared-statuses")
def test_input_declared_statuses(harness: Harness, input_cases: InputCases, operation: str,
                                 fuzz_examples: int) -> None:
    _skip_placeholder(operation)
    requests = input_cases.coverage_requests(operation, include_request_shape=False)
    _run_each(harness, requests, lambda request: _expect_declared_status(harness, request))

    run_examples(harness, input_cases.fuzz_requests(operation),
                 lambda request: _expect_declared_status(harness, request),
                 examples=fuzz_examples)


@pytest.mark.check("input.malformed-json-rejected")
def test_input_malformed_json_rejected(harness: Harness, input_cases: InputCases,
                                       body_operation: str, fuzz_examples: int) -> None:
    _skip_placeholder(body_operation)
    remedy = "parse the body with a strict JSON parser and reject a parse error with 400"

    run_examples(harness, input_cases.malformed_json_requests(body_operation),
                 lambda request: _expect_client_error(harness, request, remedy),
                 examples=fuzz_examples)


@pytest.mark.check("input.wrong-content-type-rejected")
def test_input_wrong_content_type_rejected(harness: Harness, input_cases: InputCases,
                                           body_operation: str) -> None:
    _skip_placeholder(body_operation)
    body = valid_body_factory(harness, body_operation)
    requests = input_cases.content_type_requests(body_operation, body)
    remedy = ("read the body only when Content-Type is application/json, and reject other "
              "media types with 415")

    _run_each(harness, requests, lambda request: _expect_client_error(harness, request, remedy))


@pytest.mark.check("input.wrong-types-rejected")
def test_input_wrong_types_rejected(harness: Harness, input_cases: InputCases,
                                    body_operation: str) -> None:
    _skip_placeholder(body_operation)
    body = valid_body_factory(harness, body_operation)
    requests = input_cases.wrong_type_requests(body_operation, body, null=False)
    remedy = ("check that the body is a JSON object and each field a string before using it, "
              "and reject anything else with 400")

    _run_each(harness, requests, lambda request: _expect_client_error(harness, request, remedy))


@pytest.mark.check("input.null-values-rejected")
def test_input_null_values_rejected(harness: Harness, input_cases: InputCases,
                                    body_operation: str) -> None:
    _skip_placeholder(body_operation)
    body = valid_body_factory(harness, body_operation)
    requests = input_cases.wrong_type_requests(body_operation, body, null=True)
    remedy = "treat a null body or field as missing and reject it with 400"

    _run_each(harness, requests, lambda request: _expect_client_error(harness, request, remedy))


@pytest.mark.check("input.oversized-values-rejected")
def test_input_oversized_values_rejected(harness: Harness, input_cases: InputCases,
                                         body_operation: str) -> None:
    _skip_placeholder(body_operation)
    body = valid_body_factory(harness, body_operation)
    oversized = input_cases.oversized_requests(body_operation, body)
    if not oversized:
        pytest.skip(f"the {body_operation} body has no required string field to enlarge")
    remedy = ("limit the body size (413) or each field's length (400) before hashing, "
              "looking up or storing the value")

    def check(item: tuple[InputRequest, Oversized]) -> None:
        request, sent = item
        first = len(harness.exchanges)
        try:
            # NOTE: a server that closes the connection while the body is still being sent
            # ends the check in an error, although RFC 9110 §15.5.14 allows it to close.
            response = send_input(harness, request)
        finally:
            shorten_large_bodies(harness, first)
        if 400 <= response.status_code < 500:
            return
        reproducer = large_body_reproducer(harness.exchanges[-1], sent.body, sent.field,
                                           OVERSIZED_LENGTH, harness.redact)
        raise CheckFailed(
            f"{_what(request)}: the backend responded with {_received(response)}",
            expected="a 4xx status",
            received=_received(response),
            remedy=f"{remedy}; minimal request: {reproducer}",
        )

    _run_each(harness, oversized, check)
