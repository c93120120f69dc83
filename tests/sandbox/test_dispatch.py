"""Dispatch: sandbox handlers answer the operations and paths they register; moto the rest."""
import contextlib
import threading
import urllib.request
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import AwsOperation, Dispatcher

from tests.helpers import SERVER_POLL_SECONDS

from .processes import ACCOUNT_ID, REGION

INTERCEPTED_ACCOUNT = "999999999999"
# Just enough of STS's query-protocol reply for botocore to parse.
CALLER_IDENTITY_XML = f"""\
<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::{INTERCEPTED_ACCOUNT}:user/sandbox</Arn>
    <UserId>AIDASANDBOX</UserId>
    <Account>{INTERCEPTED_ACCOUNT}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>sandbox</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"""

# One read-only call per service and the operation the dispatcher must name it, per protocol:
# query (IAM, STS), JSON via X-Amz-Target (DynamoDB, Logs, CloudWatch), REST (Lambda, API Gateway).
CALLS: list[tuple[str, Callable[[Any], object], str]] = [
    ("sts", lambda client: client.get_caller_identity(), "sts:GetCallerIdentity"),
    ("iam", lambda client: client.list_roles(), "iam:ListRoles"),
    ("dynamodb", lambda client: client.list_tables(), "dynamodb:ListTables"),
    ("logs", lambda client: client.describe_log_groups(), "logs:DescribeLogGroups"),
    ("cloudwatch", lambda client: client.list_metrics(), "cloudwatch:ListMetrics"),
    ("lambda", lambda client: client.list_functions(), "lambda:ListFunctions"),
    ("lambda", lambda client: client.get_function(FunctionName="absent"), "lambda:GetFunction"),
    ("apigateway", lambda client: client.get_rest_apis(), "apigateway:GetRestApis"),
    ("apigateway", lambda client: client.get_resources(restApiId="absent"),
     "apigateway:GetResources"),
]


@pytest.fixture
def dispatcher() -> Dispatcher:
    """A dispatcher in front of moto's server app, with nothing registered yet."""
    return Dispatcher(DomainDispatcherApplication(create_backend_app))


@pytest.fixture
def endpoint(dispatcher: Dispatcher) -> Iterator[str]:
    """The dispatcher served on a loopback port, as the sandbox serves it."""
    server = make_server("127.0.0.1", 0, dispatcher, threaded=True,
                         request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever,
                              kwargs={"poll_interval": SERVER_POLL_SECONDS}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    thread.join()


def client(endpoint: str, service: str) -> Any:
    """A boto3 client for the test endpoint."""
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_handler_answers_its_operation_and_moto_the_rest(dispatcher: Dispatcher,
                                                         endpoint: str) -> None:
    @dispatcher.register("sts", "GetCallerIdentity")
    def caller_identity(_request: Request, _operation: AwsOperation) -> Response:
        return Response(CALLER_IDENTITY_XML, mimetype="text/xml")

    sts = client(endpoint, "sts")
    assert sts.get_caller_identity()["Account"] == INTERCEPTED_ACCOUNT
    # Another operation of the same service, and another service, still reach moto.
    assert sts.get_session_token()["Credentials"]["AccessKeyId"]
    assert "Roles" in client(endpoint, "iam").list_roles()


def test_handler_returning_none_falls_through_to_moto(dispatcher: Dispatcher,
                                                      endpoint: str) -> None:
    seen: list[AwsOperation] = []

    @dispatcher.register("sts", "GetCallerIdentity")
    def observe(_request: Request, operation: AwsOperation) -> None:
        seen.append(operation)

    assert client(endpoint, "sts").get_caller_identity()["Account"] == ACCOUNT_ID
    assert seen == [AwsOperation(service="sts", name="GetCallerIdentity", region=REGION,
                                 access_key_id="testing")]


@pytest.mark.parametrize(("service", "call", "action"), CALLS, ids=[call[2] for call in CALLS])
def test_each_protocol_names_its_operation(dispatcher: Dispatcher, endpoint: str, service: str,
                                           call: Callable[[Any], object], action: str) -> None:
    seen: list[str] = []
    operation_service, operation_name = action.split(":")

    @dispatcher.register(operation_service, operation_name)
    def observe(_request: Request, operation: AwsOperation) -> None:
        seen.append(operation.action)

    with contextlib.suppress(ClientError):  # moto's "not found" for the absent resources
        call(client(endpoint, service))
    assert seen == [action]


def test_handler_sees_the_request_body_and_moto_still_gets_it(dispatcher: Dispatcher,
                                                              endpoint: str) -> None:
    bodies: list[bytes] = []

    @dispatcher.register("dynamodb", "CreateTable")
    def observe(request: Request, _operation: AwsOperation) -> None:
        bodies.append(request.get_data())

    dynamodb = client(endpoint, "dynamodb")
    dynamodb.create_table(TableName="dispatch-body", BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    assert b'"TableName": "dispatch-body"' in bodies[0]
    assert "dispatch-body" in dynamodb.list_tables()["TableNames"]
    dynamodb.delete_table(TableName="dispatch-body")


def test_route_answers_stage_urls_while_the_control_plane_reaches_moto(dispatcher: Dispatcher,
                                                                       endpoint: str) -> None:
    @dispatcher.route("/restapis/<api_id>/<stage>/_user_request_/<path:path>")
    def stage_request(_request: Request, api_id: str, stage: str, path: str) -> Response:
        return Response(f"{api_id} {stage} {path}", status=HTTPStatus.OK)

    url = f"{endpoint}/restapis/a1b2c3/prod/_user_request_/items/42"
    with urllib.request.urlopen(url) as reply:  # unsigned, as a browser or curl sends it
        assert reply.read() == b"a1b2c3 prod items/42"
    assert "items" in client(endpoint, "apigateway").get_rest_apis()


def test_an_operation_takes_one_handler(dispatcher: Dispatcher) -> None:
    def answer(_request: Request, _operation: AwsOperation) -> None:
        return None

    dispatcher.register("lambda", "Invoke")(answer)
    with pytest.raises(ValueError, match="lambda:Invoke"):
        dispatcher.register("lambda", "Invoke")(answer)
