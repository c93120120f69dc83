"""AWS error answers on the wire: one builder per protocol, the only place their bytes are made.

An AWS service speaks one protocol (botocore's service models name it: "json", "query",
"rest-json", "rest-xml", and "smithy-rpc-v2-cbor" for CloudWatch from botocore 1.40 on), and
the protocol, not the service, decides how an error looks:

* JSON 1.0 / 1.1 (DynamoDB, CloudWatch Logs): the body names the error in `__type`, a shape id
  (namespace '#' code), and says why in `message`; Content-Type `application/x-amz-json-1.x`.
* Query (IAM, STS): `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code>…</Code>
  <Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>`, text/xml.
* REST-JSON (Lambda, API Gateway): the code in the `x-amzn-ErrorType` header, `{"message"}` in
  the body (Lambda adds `"Type": "User"`), application/json.
* REST-XML (S3): `<Error><Code>…</Code><Message>…</Message><RequestId>…</RequestId></Error>`.
* RPC v2 CBOR: `__type` and `message` as a CBOR map.

Every answer carries `x-amzn-RequestId`, as AWS's do. An error is described once (`AwsError`:
code, message, status, who is at fault, modeled members, extra headers) and each builder turns
it into a `WireError`: status, headers and body, ready to be a werkzeug Response or, for a
stage, API Gateway's own answer.
"""
import json
import uuid
from dataclasses import dataclass
from enum import Enum
from http import HTTPStatus
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

REQUEST_ID_HEADER = "x-amzn-RequestId"
ERROR_TYPE_HEADER = "x-amzn-ErrorType"
CONTENT_TYPE_HEADER = "Content-Type"
JSON_1_0 = "application/x-amz-json-1.0"
JSON_CONTENT_TYPE_PREFIX = "application/x-amz-json"
REST_JSON_CONTENT_TYPE = "application/json"
QUERY_CONTENT_TYPE = "text/xml"
REST_XML_CONTENT_TYPE = "application/xml"
CBOR_CONTENT_TYPE = "application/cbor"
CBOR_PROTOCOL_HEADER = "Smithy-Protocol"
CBOR_PROTOCOL = "rpc-v2-cbor"
# The namespace AWS's common errors (AccessDenied, ServiceUnavailable, …) carry in `__type`.
CORAL_SERVICE = "com.amazon.coral.service"
QUERY_NAMESPACES = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/",
                    "iam": "https://iam.amazonaws.com/doc/2010-05-08/"}
# Lambda's errors (and the sandbox's REST-JSON refusals) name the caller's fault in `Type`.
USER_TYPE = "User"
# CBOR major types (RFC 8949): a text string, a map; lengths below 24 fit in the first byte.
CBOR_TEXT = 3
CBOR_MAP = 5
CBOR_INLINE_LENGTH = 24

Headers = tuple[tuple[str, str], ...]


class Protocol(Enum):
    """How a request is sent, and so how its errors are answered."""

    JSON = "json"
    QUERY = "query"
    REST_JSON = "rest-json"


class Fault(Enum):
    """Whose fault the error is, as the query protocol's `Type` says it."""

    SENDER = "Sender"
    RECEIVER = "Receiver"


@dataclass(frozen=True, slots=True)
class AwsError:
    """One error, whatever the wire: `message` None sends none (as AWS does for some errors);
    `members` are modeled members after the message; `headers` go on the answer as they are."""

    code: str
    message: str | None
    status: int = HTTPStatus.BAD_REQUEST
    fault: Fault = Fault.SENDER
    members: tuple[tuple[str, object], ...] = ()
    headers: Headers = ()


@dataclass(frozen=True, slots=True)
class WireError:
    """An error as it goes out: status, headers (Content-Type first) and body."""

    status: int
    headers: Headers
    body: bytes
    request_id: str

    def response(self) -> Response:
        """The werkzeug answer, with the request id AWS puts on every answer."""
        return Response(self.body, status=self.status,
                        headers=[*self.headers, (REQUEST_ID_HEADER, self.request_id)])


def protocol_of(request: Request) -> Protocol:
    """The protocol a request speaks, from the same signs the dispatcher names operations by."""
    if request.headers.get("X-Amz-Target"):
        return Protocol.JSON
    if request.values.get("Action"):
        return Protocol.QUERY
    return Protocol.REST_JSON


def speaks_cbor(request: Request) -> bool:
    """Whether the request is Smithy RPC v2 CBOR (it says so in a header of its own)."""
    return request.headers.get(CBOR_PROTOCOL_HEADER) == CBOR_PROTOCOL


def json_content_type(request: Request) -> str:
    """The JSON protocol version the request was sent in (1.0 or 1.1), to answer in the same."""
    content_type = request.headers.get(CONTENT_TYPE_HEADER, "")
    return content_type if content_type.startswith(JSON_CONTENT_TYPE_PREFIX) else JSON_1_0


def json_error(error: AwsError, type_namespace: str = CORAL_SERVICE,
               content_type: str = JSON_1_0, message_key: str = "message") -> WireError:
    """JSON 1.0 / 1.1: `{"__type": "namespace#Code", "message": …}`. DynamoDB capitalises the
    key (`message_key`) in some errors; botocore reads either."""
    body: dict[str, object] = {"__type": f"{type_namespace}#{error.code}"}
    if error.message is not None:
        body[message_key] = error.message
    body.update(error.members)
    return _wire(error, content_type, (), json.dumps(body).encode())


def query_error(error: AwsError, service: str, request_id: str | None = None) -> WireError:
    """Query (IAM, STS): ErrorResponse in the service's XML namespace, the request id inside."""
    request_id = request_id or _request_id()
    namespace = QUERY_NAMESPACES.get(service, f"https://{service}.amazonaws.com/doc/")
    body = (f'<ErrorResponse xmlns="{namespace}">\n'
            f"  <Error>\n    <Type>{error.fault.value}</Type>\n    <Code>{error.code}</Code>\n"
            f"    <Message>{escape(error.message or '')}</Message>\n  </Error>\n"
            f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n")
    return _wire(error, QUERY_CONTENT_TYPE, (), body.encode(), request_id)


def rest_json_error(error: AwsError, message_key: str = "message",
                    type_member: str | None = None) -> WireError:
    """REST-JSON: the code in x-amzn-ErrorType, `{"message": …}` in the body; Lambda's errors
    start with their `Type` member (`type_member`, USER_TYPE for the caller's fault)."""
    body: dict[str, object] = {} if type_member is None else {"Type": type_member}
    if error.message is not None:
        body[message_key] = error.message
    body.update(error.members)
    return _wire(error, REST_JSON_CONTENT_TYPE, ((ERROR_TYPE_HEADER, error.code),),
                 json.dumps(body).encode())


def rest_xml_error(error: AwsError) -> WireError:
    """REST-XML (S3): a bare Error element, the request id inside."""
    request_id = _request_id()
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{error.code}</Code><Message>{escape(error.message or '')}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>")
    return _wire(error, REST_XML_CONTENT_TYPE, (), body.encode(), request_id)


def cbor_error(error: AwsError) -> WireError:
    """Smithy RPC v2 CBOR: `__type` (the bare code) and `message`, as a CBOR map."""
    fields = {"__type": error.code, "message": error.message or ""}
    encoded = _cbor_head(CBOR_MAP, len(fields))
    for key, value in fields.items():
        encoded += _cbor_text(key) + _cbor_text(value)
    return _wire(error, CBOR_CONTENT_TYPE, ((CBOR_PROTOCOL_HEADER, CBOR_PROTOCOL),), encoded)


def _wire(error: AwsError, content_type: str, protocol_headers: Headers, body: bytes,
          request_id: str | None = None) -> WireError:
    headers = ((CONTENT_TYPE_HEADER, content_type), *protocol_headers, *error.headers)
    return WireError(error.status, headers, body, request_id or _request_id())


def _request_id() -> str:
    return str(uuid.uuid4())


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
