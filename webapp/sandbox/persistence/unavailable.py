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
import json
import uuid
from http import HTTPStatus
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

from webapp.sandbox.authz.errors import (CORAL_PREFIX, JSON_CONTENT_TYPE, QUERY_NAMESPACES,
                                         Protocol, protocol_of)
from webapp.sandbox.dispatch import credential_scope

CODE = "ServiceUnavailable"
MODELED_CODE = "ServiceUnavailableException"
# Services whose API models name the error themselves (by IAM prefix).
MODELED_SERVICES = frozenset({"apigateway", "logs"})
RETRY_AFTER_SECONDS = "1"
CBOR_PROTOCOL = "rpc-v2-cbor"
CBOR_CONTENT_TYPE = "application/cbor"
# CBOR major types (RFC 8949): a text string, a map; lengths below 24 fit in the first byte.
CBOR_TEXT = 3
CBOR_MAP = 5
CBOR_INLINE_LENGTH = 24


def service_unavailable(request: Request, message: str) -> Response:
    """503 refusing `request`, saying `message`."""
    scope = credential_scope(request)
    service = scope.service if scope is not None else None
    code = MODELED_CODE if service in MODELED_SERVICES else CODE
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-RequestId": request_id, "Retry-After": RETRY_AFTER_SECONDS}
    status = HTTPStatus.SERVICE_UNAVAILABLE
    if request.headers.get("Smithy-Protocol") == CBOR_PROTOCOL:
        body = _cbor_map({"__type": code, "message": message})
        return Response(body, status=status, content_type=CBOR_CONTENT_TYPE,
                        headers={**headers, "Smithy-Protocol": CBOR_PROTOCOL})
    protocol = protocol_of(request)
    if protocol is Protocol.JSON:
        content_type = request.headers.get("Content-Type", "")
        if not content_type.startswith("application/x-amz-json"):
            content_type = JSON_CONTENT_TYPE
        body = json.dumps({"__type": f"{CORAL_PREFIX}{code}", "message": message})
        return Response(body, status=status, content_type=content_type, headers=headers)
    if protocol is Protocol.QUERY:
        namespace = QUERY_NAMESPACES.get(service or "", f"https://{service}.amazonaws.com/doc/")
        xml = (f'<ErrorResponse xmlns="{namespace}">\n'
               f"  <Error>\n    <Type>Receiver</Type>\n    <Code>{code}</Code>\n"
               f"    <Message>{escape(message)}</Message>\n  </Error>\n"
               f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n")
        return Response(xml, status=status, content_type="text/xml", headers=headers)
    if service == "s3":
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>"
               f"<RequestId>{request_id}</RequestId></Error>")
        return Response(xml, status=status, content_type="application/xml", headers=headers)
    return Response(json.dumps({"message": message}), status=status,
                    content_type="application/json", headers={**headers, "x-amzn-ErrorType": code})


def _cbor_map(fields: dict[str, str]) -> bytes:
    encoded = _cbor_head(CBOR_MAP, len(fields))
    for key, value in fields.items():
        encoded += _cbor_text(key) + _cbor_text(value)
    return encoded


def _cbor_text(text: str) -> bytes:
    data = text.encode()
    return _cbor_head(CBOR_TEXT, len(data)) + data


def _cbor_head(major: int, length: int) -> bytes:
    if length < CBOR_INLINE_LENGTH:
        return bytes([major << 5 | length])
    # Additional information 24-27: the length follows in 1, 2, 4 or 8 bytes.
    for extra, width in enumerate((1, 2, 4, 8)):
        if length < 1 << (8 * width):
            return bytes([major << 5 | (CBOR_INLINE_LENGTH + extra)]) + length.to_bytes(
                width, "big")
    raise ValueError(f"{length} bytes is too long for one CBOR string")
