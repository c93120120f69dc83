"""The sandbox's edge, black box: forged Host headers, foreign origins, browser-simple requests,
query-string credentials, the stage host, and the console's cookie kept from handlers."""
import http.client
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import boto3
from botocore.auth import SigV4Auth
from botocore.config import Config
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .lambda_support import create_role, deploy, lambda_client, unique
from .processes import REGION, ClientFactory, clean_env, free_port, wait_until_healthy
from .test_gateway_stage import ECHO, Reply, allow_gateway, execute_arn, make_api

STAGE = "dev"
EVIL = "evil.example"
WRITES_A_LOG_LINE = """
    def handler(event, context):
        print("handler ran")
        return {"ran": True}
"""


def send(sandbox_url: str, method: str, target: str, host: str | None = None,
         headers: dict[str, str] | None = None, body: bytes | None = None) -> Reply:
    """One request to the sandbox's address with the `Host` header we choose."""
    netloc = urlsplit(sandbox_url).netloc
    connection = http.client.HTTPConnection(netloc, timeout=30)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host or netloc)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body or b"")))
        connection.endheaders(body or b"")
        answer = connection.getresponse()
        return Reply(answer.status, answer.getheaders(), answer.read())
    finally:
        connection.close()


def signed_list_tables(sandbox_url: str) -> tuple[dict[str, str], bytes]:
    """Headers and body of a DynamoDB ListTables call signed as boto3 would sign it."""
    body = b"{}"
    request = AWSRequest(method="POST", url=sandbox_url + "/", data=body, headers={
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Content-Type": "application/x-amz-json-1.0"})
    SigV4Auth(Credentials("testing", "testing"), "dynamodb", REGION).add_auth(request)
    return dict(request.headers.items()), body


def port_of(sandbox_url: str) -> int:
    return urlsplit(sandbox_url).port or 80


def cors_headers(reply: Reply) -> list[tuple[str, str]]:
    return [(name, value) for name, value in reply.headers
            if name.lower().startswith("access-control-")]


@pytest.fixture(scope="module")
def lambda_api(sandbox_url: str) -> Any:
    return lambda_client(sandbox_url)


@pytest.fixture(scope="module")
def logged_function(lambda_api: Any, aws_client: ClientFactory) -> str:
    return deploy(lambda_api, create_role(aws_client("iam")), WRITES_A_LOG_LINE).name


def deployed_api(aws_client: ClientFactory, lambda_api: Any, source: str, path: str) -> str:
    """The id of an API whose GET `path` proxies to a function of `source`, deployed to STAGE."""
    function = deploy(lambda_api, create_role(aws_client("iam")), source)
    apigateway = aws_client("apigateway")
    made = make_api(apigateway, function.arn, [(path, "GET")])
    allow_gateway(lambda_api, function.name, execute_arn(made.api_id))
    apigateway.create_deployment(restApiId=made.api_id, stageName=STAGE)
    return made.api_id


@pytest.fixture(scope="module")
def echo_api(aws_client: ClientFactory, lambda_api: Any) -> str:
    return deployed_api(aws_client, lambda_api, ECHO, "/echo")


def log_lines(aws_client: ClientFactory, function_name: str) -> list[str]:
    logs = aws_client("logs")
    try:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function_name}")["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [event["message"] for event in events]


# 1. DNS rebinding: only the sandbox's own names are served.

@pytest.mark.parametrize("host", [f"{EVIL}:{{port}}", EVIL, "127.0.0.1.evil.example:{port}",
                                  "localhost:{other}", "abc.execute-api.evil.example:{port}"])
def test_a_foreign_host_is_refused_before_anything_runs(sandbox_url: str, host: str) -> None:
    port = port_of(sandbox_url)
    forged = host.format(port=port, other=port + 1)
    headers, body = signed_list_tables(sandbox_url)
    for method, target, payload in [("GET", "/_sandbox/state", None), ("POST", "/", body),
                                    ("GET", "/_sandbox/health", None)]:
        reply = send(sandbox_url, method, target, host=forged, headers=headers, body=payload)
        assert reply.status == 403, (forged, target)
        text = reply.body.decode()
        assert "is not served by this sandbox" in text and text.count("\n") == 1
        assert b"TableNames" not in reply.body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}"])
def test_the_sandbox_own_names_are_served(sandbox_url: str, host: str) -> None:
    headers, body = signed_list_tables(sandbox_url)
    reply = send(sandbox_url, "POST", "/", host=host.format(port=port_of(sandbox_url)),
                 headers=headers, body=body)
    assert reply.status == 200
    assert "TableNames" in reply.json()


def test_hosts_listed_in_sandbox_allowed_hosts_are_served(launch_sandbox: Any) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = launch_sandbox("--port", str(port),
                             env=clean_env(SANDBOX_ALLOWED_HOSTS="dev.internal, other.test:9"))
    wait_until_healthy(process, url)
    assert send(url, "GET", "/_sandbox/health", host=f"dev.internal:{port}").status == 200
    assert send(url, "GET", "/_sandbox/health", host="other.test:9").status == 200
    assert send(url, "GET", "/_sandbox/health", host=f"other.test:{port}").status == 403
    assert send(url, "GET", "/_sandbox/health", host=f"{EVIL}:{port}").status == 403


# 2. No CORS on the control plane, for any origin.

def test_a_preflight_from_another_origin_gets_no_cors(sandbox_url: str) -> None:
    reply = send(sandbox_url, "OPTIONS", "/", headers={
        "Origin": f"http://{EVIL}", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-amz-target,content-type,authorization"})
    assert reply.status == 403
    assert cors_headers(reply) == []


def test_a_signed_call_carrying_an_origin_is_refused(sandbox_url: str) -> None:
    headers, body = signed_list_tables(sandbox_url)
    for origin in (f"http://{EVIL}", sandbox_url, "null"):
        reply = send(sandbox_url, "POST", "/", headers={**headers, "Origin": origin}, body=body)
        assert reply.status == 403
        assert b"TableNames" not in reply.body
        assert cors_headers(reply) == []


def test_moto_answers_carry_no_cors_headers(sandbox_url: str) -> None:
    headers, body = signed_list_tables(sandbox_url)
    reply = send(sandbox_url, "POST", "/", headers=headers, body=body)
    assert reply.status == 200
    assert cors_headers(reply) == []


@pytest.mark.parametrize("site", ["cross-site", "same-site", "same-origin"])
def test_fetches_from_web_pages_are_refused(sandbox_url: str, site: str) -> None:
    headers, body = signed_list_tables(sandbox_url)
    reply = send(sandbox_url, "POST", "/", headers={**headers, "Sec-Fetch-Site": site},
                 body=body)
    assert reply.status == 403
    assert b"TableNames" not in reply.body


def test_a_person_typing_the_url_is_served(sandbox_url: str) -> None:
    reply = send(sandbox_url, "GET", "/_sandbox/health", headers={"Sec-Fetch-Site": "none"})
    assert reply.status == 200


# 3. Browser-simple requests and query-string credentials.

def test_a_simple_cross_site_post_does_not_run_the_function(sandbox_url: str,
                                                           logged_function: str,
                                                           aws_client: ClientFactory,
                                                           lambda_api: Any) -> None:
    target = (f"/2015-03-31/functions/{logged_function}/invocations?"
              f"X-Amz-Credential=AKIDEXAMPLE/20240101/{REGION}/lambda/aws4_request")
    reply = send(sandbox_url, "POST", target, headers={
        "Content-Type": "text/plain", "Origin": f"http://{EVIL}",
        "Sec-Fetch-Site": "cross-site"}, body=b"{}")
    assert reply.status == 403
    assert log_lines(aws_client, logged_function) == []
    # The same function does run for a real SDK call, so the check above could fail.
    assert json.loads(lambda_api.invoke(FunctionName=logged_function)["Payload"].read()) == {
        "ran": True}


@pytest.mark.parametrize("missing", ["X-Amz-Signature", "X-Amz-Date", "X-Amz-Expires",
                                     "X-Amz-SignedHeaders", "X-Amz-Algorithm"])
def test_a_partial_query_credential_is_refused(sandbox_url: str, logged_function: str,
                                               missing: str) -> None:
    now = datetime.now(UTC)
    query = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256",
             "X-Amz-Credential": f"AKIDEXAMPLE/{now:%Y%m%d}/{REGION}/lambda/aws4_request",
             "X-Amz-Date": f"{now:%Y%m%dT%H%M%SZ}", "X-Amz-Expires": "300",
             "X-Amz-SignedHeaders": "host", "X-Amz-Signature": "0" * 64}
    del query[missing]
    reply = send(sandbox_url, "POST",
                 f"/2015-03-31/functions/{logged_function}/invocations?{urlencode(query)}",
                 headers={"Content-Type": "text/plain"}, body=b"{}")
    assert reply.status == 400
    assert dict((k.lower(), v) for k, v in reply.headers)["x-amzn-errortype"] == (
        "IncompleteSignature")
    assert "must include 'X-Amz-Algorithm'" in reply.json()["message"]


def test_an_expired_presigned_url_is_refused(sandbox_url: str, logged_function: str) -> None:
    signed = datetime.now(UTC) - timedelta(hours=2)
    query = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256",
             "X-Amz-Credential": f"AKIDEXAMPLE/{signed:%Y%m%d}/{REGION}/lambda/aws4_request",
             "X-Amz-Date": f"{signed:%Y%m%dT%H%M%SZ}", "X-Amz-Expires": "60",
             "X-Amz-SignedHeaders": "host", "X-Amz-Signature": "0" * 64}
    reply = send(sandbox_url, "GET",
                 f"/2015-03-31/functions/{logged_function}?{urlencode(query)}")
    assert reply.status == 403
    assert reply.json()["message"] == "Request has expired"


def test_a_whole_presigned_url_is_served(sandbox_url: str) -> None:
    s3 = boto3.client("s3", endpoint_url=sandbox_url, region_name=REGION,
                      aws_access_key_id="testing", aws_secret_access_key="testing",
                      config=Config(signature_version="s3v4"))
    bucket = unique("presigned")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=bucket, Key="hello.txt", Body=b"hello")
    url = urlsplit(s3.generate_presigned_url("get_object", ExpiresIn=300,
                                             Params={"Bucket": bucket, "Key": "hello.txt"}))
    assert "X-Amz-Signature=" in url.query
    reply = send(sandbox_url, "GET", f"{url.path}?{url.query}")
    assert reply.status == 200
    assert reply.body == b"hello"


# 6. Stages on their own origin; the console's cookie never reaches a handler.

def test_a_stage_answers_on_its_own_host(sandbox_url: str, echo_api: str) -> None:
    host = f"{echo_api}.execute-api.localhost:{port_of(sandbox_url)}"
    reply = send(sandbox_url, "GET", f"/{STAGE}/echo?x=1", host=host,
                 headers={"Origin": f"http://{EVIL}"})
    assert reply.status == 201
    event = json.loads(reply.body)
    assert event["path"] == "/echo"
    assert event["requestContext"]["stage"] == STAGE
    assert event["queryStringParameters"] == {"x": "1"}


def test_the_stage_host_never_reaches_the_control_plane(sandbox_url: str, echo_api: str) -> None:
    host = f"{echo_api}.execute-api.localhost:{port_of(sandbox_url)}"
    headers, body = signed_list_tables(sandbox_url)
    for target in ("/", "/_sandbox/state"):
        reply = send(sandbox_url, "POST" if target == "/" else "GET", target, host=host,
                     headers=headers, body=body)
        assert reply.status == 403
        assert reply.json() == {"message": "Missing Authentication Token"}


@pytest.mark.parametrize("form", ["host", "path"])
def test_the_console_cookie_is_not_forwarded(sandbox_url: str, echo_api: str, form: str) -> None:
    port = port_of(sandbox_url)
    if form == "host":
        host, target = f"{echo_api}.execute-api.localhost:{port}", f"/{STAGE}/echo"
    else:
        host, target = None, f"/restapis/{echo_api}/{STAGE}/_user_request_/echo"
    reply = send(sandbox_url, "GET", target, host=host,
                 headers={"Cookie": "theirs=1; console_session=SECRET; other=2"})
    assert reply.status == 201
    event = json.loads(reply.body)
    sent = {name.lower(): value for name, value in event["headers"].items()}
    assert sent["cookie"] == "theirs=1; other=2"
    assert "SECRET" not in reply.body.decode()


def test_only_the_console_cookie_is_dropped(sandbox_url: str, echo_api: str) -> None:
    reply = send(sandbox_url, "GET", f"/restapis/{echo_api}/{STAGE}/_user_request_/echo",
                 headers={"Cookie": "console_session=SECRET"})
    event = json.loads(reply.body)
    assert "cookie" not in {name.lower() for name in (event["headers"] or {})}


SETS_COOKIES = """
    def handler(event, context):
        return {"statusCode": 200, "body": "ok", "multiValueHeaders": {"Set-Cookie": [
            "console_session=tossed; Path=/", "console_session=x; Domain=localhost; Path=/",
            "theirs=1; Path=/"]}}
"""


@pytest.fixture(scope="module")
def cookie_api(aws_client: ClientFactory, lambda_api: Any) -> str:
    return deployed_api(aws_client, lambda_api, SETS_COOKIES, "/login")


@pytest.mark.parametrize("form", ["host", "path"])
def test_a_stage_cannot_set_the_console_cookie(sandbox_url: str, cookie_api: str,
                                               form: str) -> None:
    if form == "host":
        host, target = f"{cookie_api}.execute-api.localhost:{port_of(sandbox_url)}", \
            f"/{STAGE}/login"
    else:
        host, target = None, f"/restapis/{cookie_api}/{STAGE}/_user_request_/login"
    reply = send(sandbox_url, "GET", target, host=host)
    assert reply.status == 200 and reply.body == b"ok"
    assert reply.header("Set-Cookie") == ["theirs=1; Path=/"]


@pytest.mark.parametrize("method, target", [
    ("GET", "/restapis/a/b/_user_request_//x"),
    ("POST", "/restapis/a/b/_user_request_//x?uploads"),
    ("POST", "/restapis/a/b/_user_request_//"),
])
def test_no_stage_path_reaches_the_aws_api(sandbox_url: str, aws_client: ClientFactory,
                                           method: str, target: str) -> None:
    reply = send(sandbox_url, method, target, headers={
        "Origin": f"http://{EVIL}", "Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"})
    assert reply.status == 403
    assert reply.json() == {"message": "Missing Authentication Token"}
    assert "restapis" not in [bucket["Name"] for bucket in aws_client("s3").list_buckets()[
        "Buckets"]]


def test_no_stage_host_path_reaches_the_aws_api(sandbox_url: str,
                                                aws_client: ClientFactory) -> None:
    bucket = unique("victim").replace("-", "")  # a name that is also a stage host's label
    aws_client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={
        "LocationConstraint": REGION})
    host = f"{bucket}.execute-api.localhost:{port_of(sandbox_url)}"
    for method, target in (("POST", "/s//x?uploads"), ("GET", "/s//x"), ("PUT", "/s//x")):
        reply = send(sandbox_url, method, target, host=host, body=b"data",
                     headers={"Origin": f"http://{EVIL}"})
        assert reply.status == 403, (method, target)
        assert reply.json() == {"message": "Missing Authentication Token"}
    assert aws_client("s3").list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
