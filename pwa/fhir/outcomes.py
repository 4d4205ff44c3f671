"""FHIR errors: every refusal of the FHIR API is an OperationOutcome in application/fhir+json.

A view raises ``FhirError`` with the HTTP status and the code of its FHIR problem type; the package's
error handler (and the app's, for paths under /fhir that match no route) turns it into a
response, so no HTML error page ever reaches an integration engine.
"""

from __future__ import annotations

import json
from typing import Any

from quart import Response

MEDIA_TYPE = "application/fhir+json"

# The codes of FHIR's issue types for the HTTP errors the app itself raises (werkzeug's).
ISSUE_FOR_STATUS = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    413: "too-long",
    415: "not-supported",
    422: "processing",
    429: "throttled",
}


class FhirError(Exception):
    """A refusal: its HTTP status, the code of its FHIR issue type and a plain explanation."""

    def __init__(self, status: int, code: str, diagnostics: str) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.code = code
        self.diagnostics = diagnostics


def outcome(code: str, diagnostics: str, severity: str = "error") -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
    }


def fhir_response(body: dict[str, Any], status: int = 200) -> Response:
    """JSON in FHIR's media type; never stored by a cache (it carries health data)."""
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        mimetype=MEDIA_TYPE,
    )


def error_response(error: FhirError) -> Response:
    response = fhir_response(outcome(error.code, error.diagnostics), error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="fhir"'
    return response


def http_error_response(status: int, name: str) -> Response:
    """An HTTP error the framework raised (unknown route, wrong method, too large)."""
    return error_response(FhirError(status, ISSUE_FOR_STATUS.get(status, "exception"), name))
