"""Scenario of the model family: a Hypothesis state machine checks every response of the
backend against a model of the protocol built from the profile.

It needs a clock that moves the backend's own clock, the frozen clock in process or the
faketime, hook clocks otherwise, and skips with the reason under the others.
"""

from __future__ import annotations

import pytest

from conformance.harness import Harness
from conformance.model_machine import clock_moves, machine_factory
from conformance.properties import PropertyRun, property_run

# An example is a signup and a few requests per step, cheap enough in process for all of the
# profile's examples.
MODEL_SHARE = 1.0


@pytest.fixture
def hypothesis_run(harness: Harness, request: pytest.FixtureRequest) -> PropertyRun:
    """Provide the Hypothesis run of the check the test decides."""
    return property_run(harness, request)


@pytest.mark.check("model.protocol-state-machine")
def test_model_protocol_state_machine(harness: Harness, hypothesis_run: PropertyRun) -> None:
    steps = int(hypothesis_run.hypothesis_settings(MODEL_SHARE).stateful_step_count)
    harness.clock.require(max(clock_moves(harness)) * steps, server_state=True)

    examples = hypothesis_run.run_machine(machine_factory(harness, hypothesis_run),
                                          share=MODEL_SHARE)

    harness.note(f"{examples} sequences of up to {steps} steps agreed with the model")
