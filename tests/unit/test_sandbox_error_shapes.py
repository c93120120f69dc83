"""Each protocol's error shape, as webapp/sandbox/aws_errors.py puts it on the wire: the exact
bytes for one error, and botocore's own parser for that protocol reading the code and message
back (what an SDK sees). The shapes are Smithy's protocol specifications (smithy.io, "AWS
protocols": awsJson1_0/1_1, awsQuery, restJson1), quoted at each test."""
import json
from typing import Any

import pytest
from botocore.parsers import create_parser
from werkzeug.wrappers import Response

from webapp.sandbox.aws_errors import (USER_TYPE, AwsError, Fault, WireError, cbor_error,
                                       json_error, query_error, rest_json_error, rest_xml_error)

DYNAMODB_NAMESPACE = "com.amazonaws.dynamodb.v20120810"
NOT_FOUND = AwsError("ResourceNotFoundException", "Requested resource not found")
# A message with XML's special characters, which the XML shapes must escape.
ODD_MESSAGE = 'Policy <"x"> & more'


def parsed(protocol: str, response: Response) -> dict[str, Any]:
    """What botocore makes of `response` for a client of `protocol`."""
    return create_parser(protocol).parse({
        "status_code": response.status_code, "body": response.get_data(),
        "headers": {name.lower(): value for name, value in response.headers.items()}}, None)


def test_json_names_the_error_by_its_shape_id_in_type() -> None:
    """awsJson1_0: "New server-side protocol implementations SHOULD use a body field named
    `__type`" and "In awsJson1_0, servers SHOULD send the error shape's full shape-id in the
    `__type` field of the body"; Content-Type "MUST be application/x-amz-json-1.0"."""
    response = json_error(NOT_FOUND, DYNAMODB_NAMESPACE).response()
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/x-amz-json-1.0"
    assert response.get_data() == (b'{"__type": "com.amazonaws.dynamodb.v20120810#'
                                   b'ResourceNotFoundException", "message": '
                                   b'"Requested resource not found"}')
    error = parsed("json", response)["Error"]
    assert (error["Code"], error["Message"]) == ("ResourceNotFoundException",
                                                 "Requested resource not found")


def test_json_1_1_the_message_key_and_an_error_without_a_message() -> None:
    """awsJson1_1: "In awsJson1_1 it MUST be application/x-amz-json-1.1"; DynamoDB capitalises
    Message in some errors and sends none for a body it cannot read."""
    capitalised = json_error(AwsError("AccessDeniedException", "no"),
                             content_type="application/x-amz-json-1.1", message_key="Message")
    assert capitalised.headers[0] == ("Content-Type", "application/x-amz-json-1.1")
    assert json.loads(capitalised.body) == {
        "__type": "com.amazon.coral.service#AccessDeniedException", "Message": "no"}
    silent = json_error(AwsError("SerializationException", None))
    assert json.loads(silent.body) == {"__type": "com.amazon.coral.service#SerializationException"}


@pytest.mark.parametrize("fault", [Fault.SENDER, Fault.RECEIVER])
def test_query_wraps_the_error_in_error_response_with_its_request_id(fault: Fault) -> None:
    """awsQuery: "Error response bodies in the awsQuery protocol are wrapped within an XML root
    node named ErrorResponse. A nested element, named Error, contains the serialized error";
    `Type` is "One of "Sender" or "Receiver""; `RequestId` "Contains a unique identifier for the
    associated request"; Content-Type text/xml."""
    wire = query_error(AwsError("NoSuchEntity", ODD_MESSAGE, 404, fault), "iam")
    response = wire.response()
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/xml"
    assert response.headers["x-amzn-RequestId"] == wire.request_id
    assert response.get_data(as_text=True) == (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">\n'
        f"  <Error>\n    <Type>{fault.value}</Type>\n    <Code>NoSuchEntity</Code>\n"
        "    <Message>Policy &lt;\"x\"&gt; &amp; more</Message>\n  </Error>\n"
        f"  <RequestId>{wire.request_id}</RequestId>\n</ErrorResponse>\n")
    error = parsed("query", response)["Error"]
    assert (error["Code"], error["Message"], error["Type"]) == ("NoSuchEntity", ODD_MESSAGE,
                                                                fault.value)


def test_query_namespaces_follow_the_service() -> None:
    sts = query_error(AwsError("ExpiredToken", "old"), "sts")
    assert sts.body.startswith(b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">')


def test_rest_json_names_the_error_in_the_error_type_header() -> None:
    """restJson1: "New server-side protocol implementations MUST use a header field named
    X-Amzn-Errortype" whose value "SHOULD contain only the shape name of the error's shape-id";
    the body is the error's members, here {"message"}."""
    response = rest_json_error(AwsError("NotFoundException", "Invalid API identifier specified",
                                        404)).response()
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["x-amzn-ErrorType"] == "NotFoundException"
    assert response.get_data() == b'{"message": "Invalid API identifier specified"}'
    error = parsed("rest-json", response)["Error"]
    assert (error["Code"], error["Message"]) == ("NotFoundException",
                                                 "Invalid API identifier specified")


def test_rest_json_lambda_type_member_modeled_members_and_extra_headers() -> None:
    """Lambda's errors open with their Type member ({"Type":"User","message":…}); modeled
    members (TooManyRequestsException's Reason) follow the message; Retry-After is a header."""
    error = AwsError("TooManyRequestsException", "Rate Exceeded.", 429,
                     members=(("Reason", "ReservedFunctionConcurrentInvocationLimitExceeded"),),
                     headers=(("Retry-After", "1"),))
    response = rest_json_error(error, type_member=USER_TYPE).response()
    assert response.get_data() == (b'{"Type": "User", "message": "Rate Exceeded.", '
                                   b'"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}')
    assert response.headers["Retry-After"] == "1"
    assert parsed("rest-json", response)["Error"]["Code"] == "TooManyRequestsException"


def test_every_answer_carries_one_request_id_and_its_own_headers_only() -> None:
    wire = rest_json_error(AwsError("ConflictException", "taken", 409,
                                    headers=(("Retry-After", "1"),)))
    assert wire.headers == (("Content-Type", "application/json"),
                            ("x-amzn-ErrorType", "ConflictException"), ("Retry-After", "1"))
    response = wire.response()
    assert sorted(response.headers.keys()) == ["Content-Length", "Content-Type", "Retry-After",
                                              "x-amzn-ErrorType", "x-amzn-RequestId"]
    assert response.headers["x-amzn-RequestId"] == wire.request_id
    assert rest_json_error(NOT_FOUND).request_id != rest_json_error(NOT_FOUND).request_id


def test_rest_xml_and_cbor_read_back_as_the_same_error() -> None:
    """S3's REST-XML `<Error><Code>…</Code><Message>…</Message>` and Smithy RPC v2 CBOR's map of
    `__type` and `message`, each read by botocore's parser for it."""
    error = AwsError("ServiceUnavailable", ODD_MESSAGE, 503, Fault.RECEIVER)
    xml = rest_xml_error(error).response()
    assert xml.headers["Content-Type"] == "application/xml"
    assert parsed("rest-xml", xml)["Error"]["Code"] == "ServiceUnavailable"
    assert parsed("rest-xml", xml)["Error"]["Message"] == ODD_MESSAGE
    cbor = cbor_error(error).response()
    assert cbor.headers["Smithy-Protocol"] == "rpc-v2-cbor"
    assert parsed("smithy-rpc-v2-cbor", cbor)["Error"]["Code"] == "ServiceUnavailable"
    long_message = "x" * 300  # a length that needs two more bytes in CBOR's head
    assert parsed("smithy-rpc-v2-cbor", cbor_error(AwsError("Throttling", long_message))
                  .response())["Error"]["Message"] == long_message


def test_a_wire_error_is_plain_data_a_stage_can_answer_with() -> None:
    wire = rest_json_error(AwsError("MissingAuthenticationTokenException",
                                    "Missing Authentication Token", 403))
    assert isinstance(wire, WireError)
    assert (wire.status, wire.headers, wire.body) == (
        403, (("Content-Type", "application/json"),
              ("x-amzn-ErrorType", "MissingAuthenticationTokenException")),
        b'{"message": "Missing Authentication Token"}')
