"""Lambda's answers to names and settings outside the API's constraints, and to execution roles
it cannot assume, asked of a real sandbox.

AWS checks every request member against Lambda's service model (the Constraints each member
lists in the API reference, e.g. https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html
"FunctionName … Length Constraints: Minimum length of 1. Maximum length of 256. Pattern: …",
Qualifier "Length Constraints: Minimum length of 1. Maximum length of 128. Pattern: …", and
API_CreateFunction.html's Timeout, MemorySize, Runtime, Handler, Role) and answers HTTP 400
ValidationException listing every failure (API reference, "Common Errors": "The input fails to
satisfy the constraints specified by an AWS service", 400). The text, as AWS's SDKs and tools
record it (e.g. awslabs/aws-gov-cloud-import#21, aarondfrancis/sidecar#20 and #147,
covidatlas/li#575): "1 validation error detected: Value 'SC-Name of the App' at 'functionName'
failed to satisfy constraint: Member must satisfy regular expression pattern: …", "Value '3000'
at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900",
"N validation errors detected: …; …" for several, in a body {"message": "…"} (sidecar#147 shows
the raw body). A bare name over 64 characters at CreateFunction ("If you specify only the function
name, it is limited to 64 characters in length") is InvalidParameterValueException with the
same words (cloud-custodian#3352, aws-cdk#13264). The patterns quoted are the model's.

boto3 checks some constraints itself, so these clients are built with parameter_validation off.
"""
import json
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.sandbox.lambda_support import create_role, package, unique
from tests.sandbox.processes import REGION
from tests.sandbox.test_persistence import running_sandbox

UNCHECKED = Config(parameter_validation=False, retries={"total_max_attempts": 1})
SOURCE = "def handler(event, context):\n    return 1\n"
FUNCTION_CALLS = ["get_function", "get_function_configuration", "delete_function", "invoke"]


@pytest.fixture
def client(sandbox_url: str) -> Any:
    return boto3.client("lambda", endpoint_url=sandbox_url, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=UNCHECKED)


@pytest.fixture
def role(aws_client: Any) -> str:
    return create_role(aws_client("iam"), may_log=False)


def constraint(client: Any, operation: str, member: str, key: str) -> Any:
    """A member's constraint as Lambda's service model states it."""
    shape = client.meta.service_model.operation_model(operation).input_shape.members[member]
    return shape.metadata[key]


def refusal(call: Any, **parameters: Any) -> dict[str, Any]:
    """The error response a call gets (it must fail)."""
    with pytest.raises(Exception) as failed:
        call(**parameters)
    return failed.value.response  # type: ignore[attr-defined]


def pattern_failure(value: str, member: str, pattern: str) -> str:
    return (f"Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy "
            f"regular expression pattern: {pattern}")


def assert_validation_exception(error: dict[str, Any], *failures: str) -> None:
    count = len(failures)
    assert error["Error"]["Code"] == "ValidationException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"] == (
        f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(failures))


@pytest.mark.parametrize("call", FUNCTION_CALLS)
@pytest.mark.parametrize("name", ["my func", "fünf", "a/b", "a%2Fb", "a:b:c"])
def test_a_name_outside_the_pattern_is_a_validation_exception(client: Any, call: str,
                                                              name: str) -> None:
    """FunctionName pattern of GetFunction, GetFunctionConfiguration, DeleteFunction, Invoke."""
    operation = client.meta.method_to_api_mapping[call]
    pattern = constraint(client, operation, "FunctionName", "pattern")
    error = refusal(getattr(client, call), FunctionName=name)
    assert_validation_exception(error, pattern_failure(name, "functionName", pattern))


@pytest.mark.parametrize("call", FUNCTION_CALLS)
def test_a_name_too_long_and_a_bad_qualifier_are_both_named(client: Any, call: str) -> None:
    """FunctionName "Maximum length of 256", Qualifier's pattern: two errors in one answer."""
    operation = client.meta.method_to_api_mapping[call]
    longest = constraint(client, operation, "FunctionName", "max")
    name = "a" * (longest + 1)
    error = refusal(getattr(client, call), FunctionName=name, Qualifier="a b")
    assert_validation_exception(
        error,
        f"Value '{name}' at 'functionName' failed to satisfy constraint: Member must have "
        f"length less than or equal to {longest}",
        pattern_failure("a b", "qualifier", constraint(client, operation, "Qualifier",
                                                       "pattern")))


def test_a_qualifier_too_long_is_a_validation_exception(client: Any) -> None:
    """Qualifier: "Maximum length of 128"."""
    qualifier = "a" * 129
    error = refusal(client.get_function, FunctionName="anything", Qualifier=qualifier)
    assert_validation_exception(
        error, f"Value '{qualifier}' at 'qualifier' failed to satisfy constraint: Member must "
               "have length less than or equal to 128")


@pytest.mark.parametrize("call", FUNCTION_CALLS)
def test_a_name_with_dots_is_a_function_that_does_not_exist(client: Any, call: str) -> None:
    """Names are looked up by [a-zA-Z0-9-_\\.]+ but made by [a-zA-Z0-9-_]+: such a function
    does not exist, ResourceNotFoundException (404) "Function not found: <its ARN>"."""
    error = refusal(getattr(client, call), FunctionName="..")
    assert error["Error"]["Code"] == "ResourceNotFoundException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error["Error"]["Message"] == (
        f"Function not found: arn:aws:lambda:{REGION}:123456789012:function:..")


@pytest.mark.parametrize(("setting", "value", "failure"), [
    ("Timeout", 0, "Value '0' at 'timeout' failed to satisfy constraint: Member must have value "
                   "greater than or equal to 1"),
    ("Timeout", 901, "Value '901' at 'timeout' failed to satisfy constraint: Member must have "
                     "value less than or equal to 900"),
    ("MemorySize", 127, "Value '127' at 'memorySize' failed to satisfy constraint: Member must "
                        "have value greater than or equal to 128"),
    ("MemorySize", 10241, "Value '10241' at 'memorySize' failed to satisfy constraint: Member "
                          "must have value less than or equal to 10240"),
    ("Handler", "app handler", "Value 'app handler' at 'handler' failed to satisfy constraint: "
                               "Member must satisfy regular expression pattern: [^\\s]+"),
])
def test_create_function_settings_outside_their_range(client: Any, role: str, setting: str,
                                                      value: Any, failure: str) -> None:
    """CreateFunction: Timeout "Valid Range: Minimum value of 1" and "The maximum allowed value
    is 900 seconds", MemorySize 128 to 10,240 MB, Handler "Pattern: [^\\s]+"."""
    settings = {"FunctionName": "valid-name", "Runtime": "python3.12", "Role": role,
                "Handler": "app.handler", "Code": {"ZipFile": package({"app.py": SOURCE})},
                setting: value}
    assert_validation_exception(refusal(client.create_function, **settings), failure)


def test_create_function_names_every_bad_member(client: Any) -> None:
    """Name, runtime, role and timeout all wrong: four errors, in the model's member order."""
    error = refusal(client.create_function, FunctionName="my func", Runtime="python9",
                    Role="notarole", Handler="app.handler", Timeout=0,
                    Code={"ZipFile": package({"app.py": SOURCE})})
    runtimes = ", ".join(client.meta.service_model.shape_for("Runtime").enum)
    assert_validation_exception(
        error,
        pattern_failure("my func", "functionName",
                        constraint(client, "CreateFunction", "FunctionName", "pattern")),
        "Value 'python9' at 'runtime' failed to satisfy constraint: Member must satisfy enum "
        f"value set: [{runtimes}]",
        pattern_failure("notarole", "role", constraint(client, "CreateFunction", "Role",
                                                       "pattern")),
        "Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater "
        "than or equal to 1")


def test_a_name_over_140_characters_is_a_validation_exception(client: Any, role: str) -> None:
    """CreateFunction FunctionName: "Maximum length of 140" (a whole ARN)."""
    name = "a" * 141
    error = refusal(client.create_function, FunctionName=name, Runtime="python3.12", Role=role,
                    Handler="app.handler", Code={"ZipFile": package({"app.py": SOURCE})})
    assert_validation_exception(
        error, f"Value '{name}' at 'functionName' failed to satisfy constraint: Member must "
               "have length less than or equal to 140")


def test_a_bare_name_over_64_characters_is_an_invalid_parameter(client: Any, role: str) -> None:
    """"If you specify only the function name, it is limited to 64 characters in length":
    InvalidParameterValueException, 400, worded as a validation error."""
    name = "a" * 65
    error = refusal(client.create_function, FunctionName=name, Runtime="python3.12", Role=role,
                    Handler="app.handler", Code={"ZipFile": package({"app.py": SOURCE})})
    assert error["Error"]["Code"] == "InvalidParameterValueException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"] == (
        f"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy "
        "constraint: Member must have length less than or equal to 64")


def test_the_answer_is_aws_json_error_shape(sandbox_url: str) -> None:
    """Over raw HTTP: 400, X-Amzn-ErrorType ValidationException, a body {"message": "…"}."""
    request = AWSRequest(method="GET", url=f"{sandbox_url}/2015-03-31/functions/my%20func")
    SigV4Auth(boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
              .get_credentials(), "lambda", REGION).add_auth(request)
    prepared = urllib.request.Request(request.url, headers=dict(request.headers), method="GET")
    with pytest.raises(urllib.error.HTTPError) as answered:
        urllib.request.urlopen(prepared, timeout=10)
    reply = answered.value
    assert reply.code == 400
    assert reply.headers["X-Amzn-ErrorType"] == "ValidationException"
    body = json.loads(reply.read())
    assert list(body) == ["message"]
    assert body["message"].startswith("1 validation error detected: Value 'my func' at "
                                      "'functionName' failed to satisfy constraint: ")


# --- The execution role -------------------------------------------------------------------
# CreateFunction and UpdateFunctionConfiguration, InvalidParameterValueException (400): "The
# role defined for the function cannot be assumed by Lambda." when the role is missing or its
# trust policy does not allow lambda.amazonaws.com sts:AssumeRole (Lambda Developer Guide,
# "Lambda execution role"; the answer as AWS's SDKs report it: x-amzn-errortype
# InvalidParameterValueException with status 400 in cloudyr/aws.lambda#2, the message in
# nficano/python-lambda#28 and danilop/LambdAuth#49).

OTHER_SERVICE_TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                   "Action": "sts:AssumeRole"}]})
CANNOT_BE_ASSUMED = "The role defined for the function cannot be assumed by Lambda."
# Roles made and deleted beside the function pairs, so IAM's table changes while they run.
CHURNED_ROLES = 150
PAIRS = 60
REGIONS = (REGION, "eu-west-1")


def create_pair(sandbox_url: str, region: str) -> str:
    """A role trusting Lambda, then at once a function using it; the answer's code."""
    iam = boto3.client("iam", endpoint_url=sandbox_url, region_name=region,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    functions = boto3.client("lambda", endpoint_url=sandbox_url, region_name=region,
                             aws_access_key_id="testing", aws_secret_access_key="testing",
                             config=UNCHECKED)
    try:
        deploy_with(functions, create_role(iam, may_log=False))
    except ClientError as err:
        return f"{err.response['Error']['Code']}: {err.response['Error']['Message']}"
    return "created"


def deploy_with(client: Any, role: str) -> None:
    client.create_function(FunctionName=unique("fn"), Runtime="python3.12", Role=role,
                           Handler="app.handler", Code={"ZipFile": package({"app.py": SOURCE})})


def churn_roles(iam: Any, count: int) -> None:
    for _ in range(count):
        name = unique("churn")
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=OTHER_SERVICE_TRUST)
        iam.delete_role(RoleName=name)


def test_a_missing_role_cannot_be_assumed(client: Any) -> None:
    error = refusal(client.create_function, FunctionName=unique("fn"), Runtime="python3.12",
                    Role=f"arn:aws:iam::123456789012:role/{unique('missing')}",
                    Handler="app.handler", Code={"ZipFile": package({"app.py": SOURCE})})
    assert error["Error"]["Code"] == "InvalidParameterValueException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"] == CANNOT_BE_ASSUMED


def test_a_role_not_trusting_lambda_cannot_be_assumed(client: Any, aws_client: Any,
                                                      role: str) -> None:
    """Both at CreateFunction and when UpdateFunctionConfiguration changes the role."""
    iam = aws_client("iam")
    stranger = iam.create_role(RoleName=unique("ec2"),
                               AssumeRolePolicyDocument=OTHER_SERVICE_TRUST)["Role"]["Arn"]
    for call, settings in [(client.create_function,
                            {"FunctionName": unique("fn"), "Runtime": "python3.12",
                             "Handler": "app.handler",
                             "Code": {"ZipFile": package({"app.py": SOURCE})}}),
                           (client.update_function_configuration, {})]:
        if not settings:
            name = unique("fn")
            client.create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                   Handler="app.handler",
                                   Code={"ZipFile": package({"app.py": SOURCE})})
            settings = {"FunctionName": name}
        error = refusal(call, Role=stranger, **settings)
        assert error["Error"]["Code"] == "InvalidParameterValueException"
        assert error["Error"]["Message"] == CANNOT_BE_ASSUMED


def test_a_role_just_made_is_always_assumable(sandbox_url: str, aws_client: Any) -> None:
    """A role that exists and trusts Lambda is taken at once, every time: pairs of CreateRole
    and CreateFunction in two regions, while other roles are made and deleted meanwhile (moto's
    role lookup used to break on that, at random)."""
    iam = aws_client("iam")
    with ThreadPoolExecutor(max_workers=4) as pool:
        churners = [pool.submit(churn_roles, iam, CHURNED_ROLES) for _ in range(2)]
        answers = list(pool.map(lambda index: create_pair(sandbox_url, REGIONS[index % 2]),
                                range(PAIRS)))
        for churner in churners:
            churner.result()
    assert Counter(answers) == {"created": PAIRS}


def test_a_role_made_before_a_restart_is_assumable_after_it(tmp_path: Path) -> None:
    """The journal gives roles back as they were: a function can use them after a restart."""
    with running_sandbox(tmp_path) as box:
        roles = {region: create_role(boto3.client(
            "iam", endpoint_url=box.url, region_name=region, aws_access_key_id="testing",
            aws_secret_access_key="testing"), may_log=False) for region in REGIONS}
        box.stop()
        box.start()
        for region, role in roles.items():
            deploy_with(boto3.client("lambda", endpoint_url=box.url, region_name=region,
                                     aws_access_key_id="testing",
                                     aws_secret_access_key="testing", config=UNCHECKED), role)


# --- Environment variables ----------------------------------------------------------------
# CreateFunction and UpdateFunctionConfiguration (Lambda API reference, "Environment": Variables
# "Key Pattern: [a-zA-Z]([a-zA-Z0-9_])+"; Developer Guide, "Working with Lambda environment
# variables" → requirements: keys start with a letter, have at least two characters, only
# letters, numbers and _, are not reserved, and "The total size of all environment variables
# doesn't exceed 4 KB").
# * A key outside the pattern is 400 ValidationException naming the map, not the sensitive key:
#   "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint:
#   Map keys must satisfy constraint: [Member must satisfy regular expression pattern:
#   [a-zA-Z]([a-zA-Z0-9_])+]" (AWS's answer to a one-letter key in
#   trek10inc/serverless-secrets#39: "Status Code: 400; Error Code: ValidationException").
# * A reserved key ("Defined runtime environment variables" → "Reserved environment
#   variables") is 400 InvalidParameterValueException "Lambda was unable to configure your
#   environment variables because the environment variables you have provided contains reserved
#   keys that are currently not supported for modification. Reserved keys used in this request:
#   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY" (Developer Guide, "Troubleshoot deployment issues
#   in Lambda"; the full text with its list as CloudFormation relays it, status 400, e.g.
#   mattermost/mattermost-cloud-monitoring#264). _HANDLER and _X_AMZN_TRACE_ID are reserved but
#   start with "_", so the model's pattern refuses them first.
# * More than 4096 bytes is 400 InvalidParameterValueException "Lambda was unable to configure
#   your environment variables because the environment variables you have provided exceeded the
#   4KB limit. String measured: {"A1":"uSFeY5cyPiPn7AtnX5BsM…" (same guide): the variables
#   object "stored … (without white space)", "key names, values, quotes, commas, and brackets",
#   non-ASCII characters taking 2 to 4 bytes.

ENVIRONMENT_SOURCE = "import os\n\ndef handler(event, context):\n    return dict(os.environ)\n"
ENV_KEY_FAILURE = ("Value at 'environment.variables' failed to satisfy constraint: Map keys must "
                   "satisfy constraint: [Member must satisfy regular expression pattern: {}]")
RESERVED_ENVIRONMENT_KEYS = [
    "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"]
UNABLE = ("Lambda was unable to configure your environment variables because the environment "
          "variables you have provided ")
MAX_ENVIRONMENT_BYTES = 4096


def env_key_failure(client: Any) -> str:
    pattern = client.meta.service_model.shape_for("EnvironmentVariableName").metadata["pattern"]
    return ENV_KEY_FAILURE.format(pattern)


def create_with(client: Any, role: str, variables: dict[str, str], **settings: Any) -> Any:
    return client.create_function(
        FunctionName=unique("fn"), Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": package({"app.py": ENVIRONMENT_SOURCE})},
        Environment={"Variables": variables}, **settings)


def assert_invalid_parameter(error: dict[str, Any], message: str) -> None:
    assert error["Error"]["Code"] == "InvalidParameterValueException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"] == message


@pytest.fixture
def configured(client: Any, role: str) -> str:
    """A function whose environment holds GREETING=hello."""
    return create_with(client, role, {"GREETING": "hello"})["FunctionName"]


@pytest.mark.parametrize("key", ["a", "1ABC", "MY-VAR", "MY VAR", "ÉTÉ", "_HANDLER",
                                 "_X_AMZN_TRACE_ID"])
def test_an_environment_key_outside_the_pattern_is_a_validation_exception(
        client: Any, role: str, configured: str, key: str) -> None:
    """Both operations; the value is left out of the message (Variables is sensitive)."""
    for call, settings in [(client.create_function,
                            {"FunctionName": unique("fn"), "Runtime": "python3.12",
                             "Role": role, "Handler": "app.handler",
                             "Code": {"ZipFile": package({"app.py": SOURCE})}}),
                           (client.update_function_configuration,
                            {"FunctionName": configured})]:
        error = refusal(call, Environment={"Variables": {"GOOD": "1", key: "x"}}, **settings)
        assert_validation_exception(error, env_key_failure(client))


def test_bad_environment_keys_are_one_error_among_the_others(client: Any, role: str) -> None:
    """Two bad keys are named once, after Timeout, in the model's member order."""
    error = refusal(create_with, client=client, role=role, variables={"a": "1", "b-c": "2"},
                    Timeout=0)
    assert_validation_exception(
        error,
        "Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater "
        "than or equal to 1",
        env_key_failure(client))


@pytest.mark.parametrize("key", RESERVED_ENVIRONMENT_KEYS)
def test_a_reserved_environment_key_is_an_invalid_parameter(client: Any, role: str,
                                                            key: str) -> None:
    error = refusal(create_with, client=client, role=role,
                    variables={"GREETING": "hello", key: "mine"})
    assert_invalid_parameter(
        error, f"{UNABLE}contains reserved keys that are currently not supported for "
               f"modification. Reserved keys used in this request: {key}")


def test_every_reserved_key_is_named_in_the_order_given(client: Any, role: str) -> None:
    error = refusal(create_with, client=client, role=role,
                    variables={"AWS_SECRET_ACCESS_KEY": "s", "MINE": "1",
                               "AWS_ACCESS_KEY_ID": "AKIA"})
    assert_invalid_parameter(
        error, f"{UNABLE}contains reserved keys that are currently not supported for "
               "modification. Reserved keys used in this request: AWS_SECRET_ACCESS_KEY, "
               "AWS_ACCESS_KEY_ID")


def test_variables_lambda_sets_but_does_not_reserve_are_taken(client: Any, role: str) -> None:
    """"Unreserved environment variables … can be extended in your function configuration"."""
    variables = {"TZ": "Asia/Seoul", "LANG": "C.UTF-8", "PYTHONPATH": "/opt/mine",
                 "aws_region": "lower case is another key"}
    name = create_with(client, role, variables)["FunctionName"]
    stored = client.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    assert stored == variables


def test_a_refused_update_changes_nothing_and_the_role_keys_stay(client: Any,
                                                                 configured: str) -> None:
    """UpdateFunctionConfiguration with the caller's own keys is refused; the handler still sees
    its old variables and the execution role's session, not the caller's keys."""
    error = refusal(client.update_function_configuration, FunctionName=configured,
                    Environment={"Variables": {"GREETING": "changed",
                                               "AWS_ACCESS_KEY_ID": "testing",
                                               "AWS_SECRET_ACCESS_KEY": "testing"}})
    assert_invalid_parameter(
        error, f"{UNABLE}contains reserved keys that are currently not supported for "
               "modification. Reserved keys used in this request: AWS_ACCESS_KEY_ID, "
               "AWS_SECRET_ACCESS_KEY")
    assert client.get_function_configuration(FunctionName=configured)["Environment"] == {
        "Variables": {"GREETING": "hello"}}
    environ = json.loads(client.invoke(FunctionName=configured)["Payload"].read())
    assert environ["GREETING"] == "hello"
    assert environ["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert environ["AWS_SECRET_ACCESS_KEY"] != "testing"


def sized(total: int, character: str = "x") -> dict[str, str]:
    """Variables whose stored form {"BIG":"…"} takes `total` bytes (UTF-8)."""
    overhead = len('{"BIG":"') + len('"}')
    width = len(character.encode())
    filler = total - overhead
    return {"BIG": character * (filler // width) + "x" * (filler % width)}


@pytest.mark.parametrize("character", ["x", "é", "€", "😀"])
def test_environment_of_4096_bytes_is_taken(client: Any, role: str, character: str) -> None:
    variables = sized(MAX_ENVIRONMENT_BYTES, character)
    name = create_with(client, role, variables)["FunctionName"]
    assert client.get_function_configuration(
        FunctionName=name)["Environment"]["Variables"] == variables


@pytest.mark.parametrize("character", ["x", "é", "€", "😀"])
def test_environment_over_4096_bytes_is_an_invalid_parameter(client: Any, role: str,
                                                             configured: str,
                                                             character: str) -> None:
    """Measured in UTF-8 bytes of the compact JSON; the message quotes that JSON."""
    variables = sized(MAX_ENVIRONMENT_BYTES + 1, character)
    measured = json.dumps(variables, separators=(",", ":"), ensure_ascii=False)
    message = f"{UNABLE}exceeded the 4KB limit. String measured: {measured}"
    assert_invalid_parameter(
        refusal(create_with, client=client, role=role, variables=variables), message)
    assert_invalid_parameter(refusal(client.update_function_configuration,
                                     FunctionName=configured,
                                     Environment={"Variables": variables}), message)


def test_quotes_and_separators_count_toward_4kb(client: Any, role: str) -> None:
    """Many short variables: each adds its quotes, colon and comma to the stored form."""
    # {"K0000":"",…}: 11 bytes a variable and 1 more: 4104 bytes for 373.
    variables = {f"K{index:04d}": "" for index in range(373)}
    measured = json.dumps(variables, separators=(",", ":"))
    assert_invalid_parameter(
        refusal(create_with, client=client, role=role, variables=variables),
        f"{UNABLE}exceeded the 4KB limit. String measured: {measured}")
