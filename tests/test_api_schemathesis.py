"""schemathesis against the API v1's own OpenAPI document, through the WSGI app, with a personal
token: every operation, generated parameters that fit the document and parameters that break it,
every built-in check (no server error, documented statuses, content types and bodies conforming
to the document, invalid data rejected…). Bounded: a few examples per operation and mode."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from portfolio.api import tokens
from portfolio.extensions import db

from governance_helpers import committee, persona

EXAMPLES_PER_OPERATION = 10


@pytest.fixture
def api_schema(app, demo):
    committee(slugs=("signaux-faibles",))
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _token_of(email: str) -> str:
    secret = tokens.create_token(persona(email), "schemathesis").secret
    db.session.commit()
    return secret


def _run(operation, mode: GenerationMode, headers: dict) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers=headers)

    check()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("email", ["admin@demo.beta.gouv.fr", "intrapreneur@demo.beta.gouv.fr"])
def test_the_api_conforms_to_its_document(api_schema, mode, email):
    headers = {"Authorization": f"Bearer {_token_of(email)}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 11
    for operation in operations:
        _run(operation, mode, headers)
