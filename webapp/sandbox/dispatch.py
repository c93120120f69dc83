"""Dispatch: name each request's AWS (service, operation); let sandbox handlers answer before moto.

Guards run first, on every request: a guard returns a Response to refuse the request (the
execution-role authorizer answers AccessDenied this way) or None to let it go on. Then two
registries sit in front of moto, tried in this order:

* routes, by URL rule (werkzeug syntax), for requests that are not AWS API calls, such as the
  health check or a deployed stage's `/restapis/<api_id>/<stage>/_user_request_/<path>`;
* operations, by (service, operation) as IAM names them (`"lambda", "Invoke"`), for signed calls.

A handler returns a werkzeug Response to answer, or None to let the request go on to moto.
"""
import io
import logging
import re
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Protocol, cast
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from moto.core.request import Request as MotoRequest
from moto.core.routing import get_service_router
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from webapp.sandbox.aws_errors import AwsError, rest_json_error

logger = logging.getLogger(__name__)

# SigV4 credential scope, in the Authorization header ("Credential=AKID/20240101/region/service/
# aws4_request, ...") or, for presigned URLs, the X-Amz-Credential query parameter.
CREDENTIAL_SCOPE = re.compile(
    r"(?:^|Credential=)(?P<access_key_id>[^/,\s]+)/\d{8}/(?P<region>[^/]+)/(?P<signing_name>[^/]+)"
    r"/aws4_request")
# Smithy RPC v2 CBOR names the operation in the path, not in a header.
RPC_V2_CBOR_PATH = re.compile(r"/service/[^/]+/operation/(?P<operation>[^/]+)")
# Where a SigV4 signing name differs from the IAM action prefix (and botocore's service name).
SERVICE_BY_SIGNING_NAME = {"monitoring": "cloudwatch"}
# Services whose operations are told apart by method and path (rest-json), by botocore name.
REST_SERVICES = frozenset({"lambda", "apigateway"})
# Set in the environ of a request for a deployed stage (boundary.py): only a route may answer
# it, never moto, whatever its path looks like; unrouted, it gets API Gateway's answer to an
# unknown route.
STAGE_ONLY = "sandbox.stage_only"
# API Gateway's answer to a path or verb no API has (rest-json, 403).
MISSING_TOKEN = AwsError("MissingAuthenticationTokenException", "Missing Authentication Token",
                         HTTPStatus.FORBIDDEN)


@dataclass(frozen=True, slots=True)
class AwsOperation:
    """One AWS API call: `service:name` as IAM spells it, signed for `region` by `access_key_id`."""

    service: str
    name: str
    region: str
    access_key_id: str

    @property
    def action(self) -> str:
        """The IAM action, e.g. "dynamodb:PutItem"."""
        return f"{self.service}:{self.name}"


OperationHandler = Callable[[Request, AwsOperation], Response | None]
# Called with the request, its operation and moto's answer; returns the answer to send.
Amender = Callable[[Request, AwsOperation, Response], Response]
# Called with the request and the URL rule's variables as keyword arguments.
RouteHandler = Callable[..., Response | None]
# Called with every request before routes and operations; a Response ends the request there.
Guard = Callable[[Request], Response | None]


class Gate(Protocol):
    """Lets requests through, or refuses them while the sandbox's state is being replaced."""

    def passage(self, request: Request) -> AbstractContextManager[Response | None]:
        """For the request's duration: yields a response refusing it, or None to let it in."""


class ChangeRecorder(Protocol):
    """Journals the calls that change state."""

    def records(self, request: Request, operation: AwsOperation | None) -> bool:
        """Whether the request (calling `operation`, if it could be named) is recorded."""

    def record(self, request: Request, body: bytes, operation: AwsOperation | None,
               answer: Callable[[], Response]) -> Response:
        """Run `answer` and record the request if its answer says it succeeded."""


@dataclass(frozen=True, slots=True)
class CredentialScope:
    """Who signed a request, for which region and service (by IAM action prefix)."""

    access_key_id: str
    region: str
    service: str


def credential_scope(request: Request) -> CredentialScope | None:
    """The SigV4 credential scope of a request, or None if it is not signed."""
    signed = request.headers.get("Authorization") or request.args.get("X-Amz-Credential", "")
    match = CREDENTIAL_SCOPE.search(signed)
    if match is None:
        return None
    signing_name = match["signing_name"].lower()
    return CredentialScope(access_key_id=match["access_key_id"], region=match["region"],
                           service=SERVICE_BY_SIGNING_NAME.get(signing_name, signing_name))


def operation_name(request: Request, service: str) -> str | None:
    """The operation a request calls, by the rules of the protocol it speaks."""
    target = request.headers.get("X-Amz-Target")
    if target:  # JSON protocols: DynamoDB, Logs, and CloudWatch as botocore 1.44 calls it
        return target.rpartition(".")[2]
    cbor = RPC_V2_CBOR_PATH.fullmatch(request.path)
    if cbor and request.headers.get("Smithy-Protocol") == "rpc-v2-cbor":
        return cbor["operation"]
    action = request.values.get("Action")
    if action:  # query protocol: IAM, STS, CloudWatch from older SDKs
        return action
    if service in REST_SERVICES:
        return _rest_operation_name(request, service)
    return None


def identify(request: Request) -> AwsOperation | None:
    """The AWS operation a signed request calls, or None if it is unsigned or unknown."""
    scope = credential_scope(request)
    if scope is None:
        return None
    name = operation_name(request, scope.service)
    if name is None:
        return None
    return AwsOperation(service=scope.service, name=name, region=scope.region,
                        access_key_id=scope.access_key_id)


class Dispatcher:
    """A WSGI app: sandbox routes and operation handlers first, `fallback` (moto) for the rest."""

    def __init__(self, fallback: WSGIApplication) -> None:
        self._fallback = fallback
        self._routes = Map(strict_slashes=False, merge_slashes=False)
        self._operations: dict[tuple[str, str], OperationHandler] = {}
        self._guards: list[Guard] = []
        self._amenders: dict[tuple[str, str], Amender] = {}
        # Set by the journal (persistence): refuses requests while state is replaced, and
        # records each change that succeeds.
        self.gate: Gate | None = None
        self.changes: ChangeRecorder | None = None

    def guard(self, check: Guard) -> Guard:
        """Decorator: `check(request)` runs before any route or operation and may answer instead."""
        self._guards.append(check)
        return check

    def register(self, service: str,
                 operation: str) -> Callable[[OperationHandler], OperationHandler]:
        """Decorator: `handler(request, operation)` answers `service:operation` (IAM spelling)."""
        key = (service, operation)

        def add(handler: OperationHandler) -> OperationHandler:
            if key in self._operations:
                raise ValueError(f"{service}:{operation} already has a sandbox handler")
            self._operations[key] = handler
            return handler

        return add

    def amend(self, service: str, operation: str) -> Callable[[Amender], Amender]:
        """Decorator: `amender(request, operation, response)` rewrites moto's answer to it."""
        key = (service, operation)

        def add(amender: Amender) -> Amender:
            if key in self._amenders:
                raise ValueError(f"{service}:{operation} already has an amender")
            self._amenders[key] = amender
            return amender

        return add

    def route(self, rule: str,
              methods: Iterable[str] | None = None) -> Callable[[RouteHandler], RouteHandler]:
        """Decorator: `handler(request, **variables)` answers paths matching a werkzeug URL rule."""
        def add(handler: RouteHandler) -> RouteHandler:
            self._routes.add(Rule(rule, endpoint=handler, methods=methods))
            return handler

        return add

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        # Read once and cached: handlers can read it again, and moto gets a fresh stream below.
        body = request.get_data()
        if self.gate is None:
            return self._dispatch(request, body)(environ, start_response)
        with self.gate.passage(request) as refusal:
            answer = refusal or self._dispatch(request, body)
            return answer(environ, start_response)

    def _dispatch(self, request: Request, body: bytes) -> Response | WSGIApplication:
        operation = identify(request)
        response = self._answer_guards(request) or self._answer_route(request)
        if response is not None:
            return response
        if request.environ.get(STAGE_ONLY):
            return rest_json_error(MISSING_TOKEN).response()
        if self.changes is not None and self.changes.records(request, operation):
            return self.changes.record(
                request, body, operation,
                lambda: self._answer(request, body, operation, buffered=True))
        return self._answer(request, body, operation)

    def replay(self, environ: WSGIEnvironment) -> Response:
        """Answer a recorded request again: no guards (it was allowed once), no recording."""
        request = Request(environ)
        body = request.get_data()
        operation = identify(request)
        return cast(Response, self._answer(request, body, operation, buffered=True))

    def _answer(self, request: Request, body: bytes, operation: AwsOperation | None,
                buffered: bool = False) -> Response | WSGIApplication:
        """The sandbox's handler's answer, else moto's (amended if an amender is registered);
        a Response when `buffered`, else possibly moto's app itself, to stream its answer."""
        response = self._answer_operation(request, operation)
        if response is not None:
            return response
        environ = request.environ
        _replace_input(environ, body)
        amender = operation and self._amenders.get((operation.service, operation.name))
        if not amender and not buffered:
            return self._fallback
        # moto answers first; the sandbox then corrects what moto gets wrong about AWS.
        answer = Response.from_app(self._fallback, environ, buffered=True)
        return amender(request, operation, answer) if amender else answer

    def _answer_guards(self, request: Request) -> Response | None:
        for check in self._guards:
            response = check(request)
            if response is not None:
                return response
        return None

    def _answer_route(self, request: Request) -> Response | None:
        try:
            handler, variables = self._routes.bind_to_environ(request.environ).match()
        except NotFound:
            return None
        except HTTPException as err:  # e.g. 405: the path is ours, the method is not
            return err.get_response(request.environ)
        return handler(request, **variables)

    def _answer_operation(self, request: Request,
                          operation: AwsOperation | None) -> Response | None:
        if operation is None:
            return None
        handler = self._operations.get((operation.service, operation.name))
        if handler is None:
            return None
        response = handler(request, operation)
        if response is not None:
            logger.debug("%s answered by the sandbox", operation.action)
        return response


def _rest_operation_name(request: Request, service: str) -> str | None:
    # moto's router matches botocore's own HTTP bindings (method, URI template, query and header
    # constraints), so Lambda and API Gateway operations resolve exactly as AWS names them.
    try:
        operation, _ = get_service_router(service).match(MotoRequest(request.environ))
    except (NotFound, NotImplementedError):
        return None
    return operation.name


def _replace_input(environ: WSGIEnvironment, body: bytes) -> None:
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    # The body is now whole and sized; a chunked request must not be read as chunked again.
    environ.pop("wsgi.input_terminated", None)
