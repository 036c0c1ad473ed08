"""Schemathesis (v4) over every operation of the app's own schema, in-process, as an admin.

Bounded and derandomized (the same examples every run): no answer is a 5xx and
every answer matches the schema the operation documents. Each operation is its
own Hypothesis run, so one failure names its operation and its smallest example.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from pas.bootstrap import Container
from pas.service.app import create_app
from pas.workflows.keys import create_key

#: examples per operation: ~45 operations x this stays well under 90 s on the CI machine
EXAMPLES = int(os.environ.get("PAS_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, response_schema_conformance]


def test_no_5xx_and_answers_match_the_schema(demo_container: Container) -> None:
    app = create_app(demo_container)
    headers = {"Authorization": f"Bearer {create_key(demo_container.uow(), 'admin')[0]}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: dict[str, str] = {}
    walked = 0
    calls: list[int] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        walked += 1

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            calls.append(response.status_code)

        try:
            fuzz()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures[operation.label] = f"{type(exc).__name__}: {str(exc)[:2000]}"
    assert walked == len([1 for ops in app.openapi()["paths"].values() for _ in ops])
    assert len(calls) > 2 * walked and any(200 <= c < 300 for c in calls)
    assert failures == {}, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
