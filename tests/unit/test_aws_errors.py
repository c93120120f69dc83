"""Every botocore failure leaves webapp.aws as one ConsoleError a person can act on."""
from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from botocore import exceptions as boto_errors
from botocore.parsers import ResponseParserError

from webapp.aws import clients

from tests.helpers import SERVER_POLL_SECONDS, clients_for
from webapp.aws.dynamodb import tables as dynamodb
from webapp.aws.errors import (
    AccessDenied, BadResponse, ConsoleError, ExpiredCredentials, NoCredentials,
    NotFound, RejectedByAws, Throttled, Unreachable, aws_errors,
)
from webapp.aws.paging import Count, count_items


def client_error(code: str, message: str, operation: str = "GetItem") -> boto_errors.ClientError:
    return boto_errors.ClientError({"Error": {"Code": code, "Message": message}}, operation)


def raised(error: Exception, resource: str | None = None) -> ConsoleError:
    with pytest.raises(ConsoleError) as caught, aws_errors("read an item", resource):
        raise error
    assert caught.value.__cause__ is error
    return caught.value


def test_access_denied_names_the_principal_action_and_resource() -> None:
    err = raised(client_error("AccessDeniedException", (
        "User: arn:aws:sts::123456789012:assumed-role/basic/items is not authorized to perform: "
        "dynamodb:GetItem on resource: arn:aws:dynamodb:ap-northeast-2:123456789012:table/Orders "
        "because no identity-based policy allows the dynamodb:GetItem action")))
    assert isinstance(err, AccessDenied)
    assert "arn:aws:sts::123456789012:assumed-role/basic/items" in err.message
    assert "may not perform dynamodb:GetItem on " \
           "arn:aws:dynamodb:ap-northeast-2:123456789012:table/Orders" in err.message
    assert "Attach a policy that allows dynamodb:GetItem" in err.message


def test_access_denied_without_details_falls_back_to_the_operation_and_resource() -> None:
    err = raised(client_error("AccessDenied", "Access Denied"), resource="table Orders")
    assert "may not perform GetItem on table Orders" in err.message


def test_not_found_names_the_resource() -> None:
    err = raised(client_error("ResourceNotFoundException", "Requested resource not found"),
                 resource="table Orders")
    assert isinstance(err, NotFound)
    assert err.message.startswith("table Orders was not found")


def test_persistent_throttling_says_so() -> None:
    err = raised(client_error("ThrottlingException", "Rate exceeded", "ListTables"))
    assert isinstance(err, Throttled)
    assert "kept throttling ListTables even after retrying" in err.message


def test_other_aws_errors_keep_aws_code_and_message() -> None:
    err = raised(client_error("ResourceInUseException", "Table already exists: Orders"))
    assert err.message == "Could not read an item: ResourceInUseException: Table already exists: Orders"
    assert err.aws_code == "ResourceInUseException"


def test_validation_errors_carry_awss_message() -> None:
    err = raised(client_error("ValidationException", "1 validation error detected"))
    assert isinstance(err, RejectedByAws)
    assert err.message == "Could not read an item: 1 validation error detected"


@pytest.mark.parametrize("code", ["ExpiredToken", "InvalidClientTokenId", "UnrecognizedClientException"])
def test_rejected_credentials(code: str) -> None:
    err = raised(client_error(code, "The security token included in the request is invalid"))
    assert isinstance(err, ExpiredCredentials)
    assert f"({code})" in err.message


def test_unreachable_endpoint_names_it() -> None:
    err = raised(boto_errors.EndpointConnectionError(endpoint_url="http://127.0.0.1:4566/"))
    assert isinstance(err, Unreachable)
    assert "http://127.0.0.1:4566/" in err.message


def test_missing_credentials_and_sso() -> None:
    assert isinstance(raised(boto_errors.NoCredentialsError()), NoCredentials)
    assert "aws sso login" in raised(boto_errors.TokenRetrievalError(provider="sso",
                                                                     error_msg="x")).message
    assert "nosuch" in raised(boto_errors.ProfileNotFound(profile="nosuch")).message


def test_programming_errors_are_not_swallowed() -> None:
    with pytest.raises(KeyError), aws_errors("read an item"):
        raise KeyError("bug")


class _AlwaysThrottled(BaseHTTPRequestHandler):
    """A DynamoDB endpoint that answers every request with ThrottlingException."""

    requests_seen = 0

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        type(self).requests_seen += 1
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                           "message": "Rate exceeded"}).encode()
        self.send_response(HTTPStatus.BAD_REQUEST)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


def test_throttling_is_retried_by_botocore_before_giving_up() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AlwaysThrottled)
    threading.Thread(target=server.serve_forever,
                     kwargs={"poll_interval": SERVER_POLL_SECONDS}, daemon=True).start()
    clients.use(clients_for(clients.Connection(
        backend="aws", region="ap-northeast-2", max_attempts=2,
        endpoint_url=f"http://127.0.0.1:{server.server_address[1]}")))
    try:
        with pytest.raises(ConsoleError) as caught:
            dynamodb.count_tables()
    finally:
        server.shutdown()
    assert _AlwaysThrottled.requests_seen == 2
    assert isinstance(caught.value, Throttled)


def test_counts_stop_at_the_cap() -> None:
    pages = ({"TableNames": [f"t{n}" for n in range(start, start + 100)]} for start in range(0, 10**6, 100))
    assert count_items(pages, "TableNames", cap=250) == Count(250, is_capped=True)
    assert str(Count(250, is_capped=True)) == "250+"
    assert count_items([{"TableNames": ["a"]}, {}], "TableNames") == Count(1, is_capped=False)


def test_an_answer_not_in_awss_format_is_explained() -> None:
    err = raised(ResponseParserError("Unable to parse response"))
    assert isinstance(err, BadResponse)
    assert err.message.startswith("Could not read an item: the endpoint's answer was not in AWS's format")
