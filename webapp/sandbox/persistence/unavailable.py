"""HTTP 503 in the error shape of the protocol a request speaks, with AWS's code for it.

The sandbox answers 503 while its state is being replaced (reset, restore, undoing a change it
could not save) and while it is read-only (its journal cannot be written). AWS's API references
list, among the errors common to every service, `ServiceUnavailable`: "The request has failed
due to a temporary failure of the server", HTTP 503 (DynamoDB, Lambda, IAM, STS, CloudWatch;
S3's error list has the same code). API Gateway and CloudWatch Logs model their own
`ServiceUnavailableException` and send that. botocore retries 503s before it gives up.

* JSON (X-Amz-Target): `{"__type": "com.amazon.coral.service#ServiceUnavailable", "message"}`.
* Smithy RPC v2 CBOR (CloudWatch from botocore 1.40 on): the same two keys, as a CBOR map.
* Query (IAM, STS): `<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable…`:
  the server's fault, not the caller's.
* S3 (REST-XML): `<Error><Code>ServiceUnavailable</Code><Message>…`.
* REST-JSON (Lambda, API Gateway, and unsigned paths such as a stage's URL):
  `x-amzn-ErrorType` names the code, `{"message"}` in the body.

Every answer carries Retry-After (API Gateway's `retryAfterSeconds` is bound to it).
"""
from http import HTTPStatus

from werkzeug.wrappers import Request, Response

from webapp.sandbox.aws_errors import (AwsError, Fault, Protocol, WireError, cbor_error,
                                       json_content_type, json_error, protocol_of, query_error,
                                       rest_json_error, rest_xml_error, speaks_cbor)
from webapp.sandbox.dispatch import credential_scope

CODE = "ServiceUnavailable"
MODELED_CODE = "ServiceUnavailableException"
# Services whose API models name the error themselves (by IAM prefix).
MODELED_SERVICES = frozenset({"apigateway", "logs"})
RETRY_AFTER_SECONDS = "1"


def service_unavailable(request: Request, message: str) -> Response:
    """503 refusing `request`, saying `message`."""
    scope = credential_scope(request)
    service = scope.service if scope is not None else None
    code = MODELED_CODE if service in MODELED_SERVICES else CODE
    error = AwsError(code, message, HTTPStatus.SERVICE_UNAVAILABLE, Fault.RECEIVER,
                     headers=(("Retry-After", RETRY_AFTER_SECONDS),))
    return _shaped(request, service, error).response()


def _shaped(request: Request, service: str | None, error: AwsError) -> WireError:
    if speaks_cbor(request):
        return cbor_error(error)
    protocol = protocol_of(request)
    if protocol is Protocol.JSON:
        return json_error(error, content_type=json_content_type(request))
    if protocol is Protocol.QUERY:
        return query_error(error, service or "")
    if service == "s3":
        return rest_xml_error(error)
    return rest_json_error(error)
