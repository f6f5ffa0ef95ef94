"""schemathesis against the OpenAPI document of a live server: every operation, generated
requests valid and invalid, bounded in examples. No 5xx other than the announced 503s, and every
answer conforms to the document (status, media type, headers, body schema).

Not checked: ``positive_data_acceptance`` (a request that matches the schema is accepted). The
schema says a query is a string; whether it is SPARQL (and so 200, not 400) JSON Schema cannot say.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.endpoint.conftest import TOKEN

EXAMPLES = 25


def test_every_operation_conforms(live_factory):
    server = live_factory("schemathesis", allow_update=True, token=TOKEN, max_rows=50)
    config = SchemathesisConfig.from_dict({"auth": {"openapi": {"bearer": {"bearer": TOKEN}}}})
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json", config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def check(case) -> None:
                response = case.call_and_validate(
                    base_url=server.url,
                    excluded_checks=[positive_data_acceptance],
                    timeout=60,
                )
                assert response.status_code < 500 or (
                    response.status_code == 503 and "retry-after" in {k.lower() for k in response.headers}
                ), response.text

            try:
                check()
            except Unsatisfiable:  # nothing in this operation can be made invalid
                assert mode == GenerationMode.NEGATIVE
