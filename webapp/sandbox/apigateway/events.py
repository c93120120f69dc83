"""The request as API Gateway sees it, and the Lambda proxy integration's event, payload 1.0.

AWS_FACTS §6: single-value maps keep a repeated key's last value, empty maps are null (never
{}), a binary body travels base64-encoded with isBase64Encoded, and requestContext.path carries
the stage prefix while path does not.

A body is binary when its Content-Type matches the API's binaryMediaTypes or, unlike AWS (which
would mangle it), when it is not UTF-8 text.
"""
import base64
import fnmatch
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from webapp.sandbox.apigateway.matching import Match

REQUEST_TIME_FORMAT = "%d/%b/%Y:%H:%M:%S +0000"
PROTOCOL = "HTTP/1.1"
MS = 1000
# A missing Content-Type counts as JSON (AWS_FACTS §6, mapping templates).
DEFAULT_CONTENT_TYPE = "application/json"
IDENTITY_NULLS = ("cognitoIdentityPoolId", "cognitoIdentityId", "cognitoAuthenticationType",
                  "cognitoAuthenticationProvider", "accountId", "caller", "apiKey", "apiKeyId",
                  "accessKey", "principalOrgId", "user", "userArn", "clientCert")


@dataclass(frozen=True, slots=True)
class StageContext:
    """Where a request runs: a deployed stage, or TestInvokeMethod's stand-in."""

    account_id: str
    region: str
    api_id: str
    stage: str
    # The stage segment of the execute-api source ARN: "null" for TestInvokeMethod (AWS_FACTS).
    arn_stage: str
    variables: dict[str, str] | None
    domain_name: str
    domain_prefix: str
    # The prefix of requestContext.path: "/prod" on a stage, "" for TestInvokeMethod.
    path_prefix: str
    identity: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GatewayRequest:
    """An HTTP request to an API, headers and query in the order they came, repeats kept."""

    http_method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    query: tuple[tuple[str, str], ...]
    body: bytes
    source_ip: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    extended_request_id: str = field(
        default_factory=lambda: base64.b64encode(secrets.token_bytes(6)).decode()[:8] + "=")
    started: float = field(default_factory=time.time)

    def header(self, name: str) -> str | None:
        """The last value of a header (case-insensitive), or None."""
        wanted = name.lower()
        values = [value for key, value in self.headers if key.lower() == wanted]
        return values[-1] if values else None

    @property
    def content_type(self) -> str:
        """The media type of the body, without parameters."""
        raw = self.header("Content-Type") or DEFAULT_CONTENT_TYPE
        return raw.split(";")[0].strip().lower()

    @property
    def accept_type(self) -> str | None:
        """The first media type of the first Accept header, without parameters; None without one.

        It alone decides whether a proxy answer goes out as binary: "API Gateway honors only the
        first Accept media type" (Developer Guide, "Content type conversions in API Gateway").
        """
        accepts = [value for key, value in self.headers if key.lower() == "accept"]
        if not accepts:
            return None
        return accepts[0].split(",")[0].split(";")[0].strip().lower() or None

    @property
    def request_time(self) -> str:
        """requestContext.requestTime: 04/Mar/2020:19:15:17 +0000."""
        return datetime.fromtimestamp(self.started, timezone.utc).strftime(REQUEST_TIME_FORMAT)

    @property
    def request_time_epoch(self) -> int:
        """requestContext.requestTimeEpoch, in milliseconds."""
        return int(self.started * MS)


def single_values(pairs: tuple[tuple[str, str], ...]) -> dict[str, str] | None:
    """Last value wins; None when there are none."""
    return dict(pairs) or None


def multi_values(pairs: tuple[tuple[str, str], ...]) -> dict[str, list[str]] | None:
    """Every value in order; None when there are none."""
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    return values or None


def is_binary_type(media_type: str, binary_media_types: tuple[str, ...]) -> bool:
    """Whether the API treats `media_type` as binary; `*` in a listed type is a wildcard."""
    return any(fnmatch.fnmatch(media_type, pattern.lower()) for pattern in binary_media_types)


def is_binary(request: GatewayRequest, binary_media_types: tuple[str, ...]) -> bool:
    """Whether the body goes base64-encoded: a binary media type, or bytes that are not text."""
    if is_binary_type(request.content_type, binary_media_types):
        return True
    try:
        request.body.decode()
    except UnicodeDecodeError:
        return True
    return False


def body_text(request: GatewayRequest, binary: bool) -> str | None:
    """The body as the event carries it, or None when there is none."""
    if not request.body:
        return None
    return base64.b64encode(request.body).decode() if binary else request.body.decode()


def request_context(request: GatewayRequest, match: Match,
                    stage: StageContext) -> dict[str, Any]:
    """requestContext of a proxy event (and $context of mapping templates)."""
    identity: dict[str, Any] = {name: None for name in IDENTITY_NULLS}
    identity.update(sourceIp=request.source_ip, userAgent=request.header("User-Agent"))
    identity.update(stage.identity)
    return {
        "resourceId": match.resource.resource_id,
        "resourcePath": match.resource.path,
        "httpMethod": request.http_method,
        "extendedRequestId": request.extended_request_id,
        "requestTime": request.request_time,
        "path": stage.path_prefix + request.path,
        "accountId": stage.account_id,
        "protocol": PROTOCOL,
        "stage": stage.stage,
        "domainPrefix": stage.domain_prefix,
        "requestTimeEpoch": request.request_time_epoch,
        "requestId": request.request_id,
        "identity": identity,
        "domainName": stage.domain_name,
        "apiId": stage.api_id,
    }


def proxy_event(request: GatewayRequest, match: Match, stage: StageContext,
                binary_media_types: tuple[str, ...]) -> dict[str, Any]:
    """The AWS_PROXY event, payload format 1.0."""
    binary = is_binary(request, binary_media_types)
    return {
        "resource": match.resource.path,
        "path": request.path,
        "httpMethod": request.http_method,
        "headers": single_values(request.headers),
        "multiValueHeaders": multi_values(request.headers),
        "queryStringParameters": single_values(request.query),
        "multiValueQueryStringParameters": multi_values(request.query),
        "pathParameters": match.path_parameters or None,
        "stageVariables": stage.variables or None,
        "requestContext": request_context(request, match, stage),
        "body": body_text(request, binary),
        "isBase64Encoded": binary,
    }
