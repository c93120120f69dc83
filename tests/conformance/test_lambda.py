"""Lambda's API answers as AWS documents them, asked of a real sandbox with boto3.

Sources: the FunctionConfiguration shape
(https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html), LoggingConfig
(https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html), GetAccountSettings
(https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html) with the quotas of
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html.
"""
import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox.lambda_support import create_role, deploy, lambda_client, package
from tests.sandbox.test_persistence import running_sandbox

SOURCE = "def handler(event, context):\n    return 1\n"
OTHER_SOURCE = "def handler(event, context):\n    return 2\n"
# FunctionConfiguration.LastModified: "ISO-8601 format (YYYY-MM-DDThh:mm:ss.sTZD)", which AWS
# writes with milliseconds and "+0000", as in its examples ("2019-10-04T16:11:22.145+0000").
AWS_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000")
# Longer than a millisecond, so the next LastModified cannot be the same as the one before.
NEXT_MILLISECOND = 0.002


@pytest.fixture
def client(sandbox_url: str) -> Any:
    return lambda_client(sandbox_url)


@pytest.fixture
def role(aws_client: Any) -> str:
    return create_role(aws_client("iam"), may_log=False)


def configurations(client: Any, name: str) -> list[dict[str, Any]]:
    """The configuration as GetFunction, GetFunctionConfiguration and ListFunctions state it."""
    listed = [entry for page in client.get_paginator("list_functions").paginate()
              for entry in page["Functions"] if entry["FunctionName"] == name]
    return [client.get_function(FunctionName=name)["Configuration"],
            client.get_function_configuration(FunctionName=name), *listed]


def without_metadata(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != "ResponseMetadata"}


def test_a_function_states_its_default_logging_config_and_no_layers(client: Any,
                                                                    role: str) -> None:
    """LoggingConfig: "By default, Lambda functions send logs to a default log group named
    /aws/lambda/<function name>"; LogFormat "JSON | Text", Text unless chosen. Layers is a
    member only for a function with layers."""
    created = client.create_function(FunctionName=f"fn-logging-{time.time_ns()}",
                                     Runtime="python3.12", Role=role, Handler="app.handler",
                                     Code={"ZipFile": package({"app.py": SOURCE})})
    name = created["FunctionName"]
    for configuration in [created, *configurations(client, name)]:
        assert configuration["LoggingConfig"] == {"LogFormat": "Text",
                                                  "LogGroup": f"/aws/lambda/{name}"}
        assert "Layers" not in configuration
        assert "Environment" not in configuration
        assert AWS_TIME.fullmatch(configuration["LastModified"])
        assert configuration["RevisionId"] == created["RevisionId"]


def test_environment_set_empty_is_stated_empty(client: Any, role: str) -> None:
    """Environment {"Variables": {}} given at creation is answered back as given."""
    function = deploy(client, role, SOURCE, Environment={"Variables": {}})
    for configuration in configurations(client, function.name):
        assert configuration["Environment"] == {"Variables": {}}


def test_updating_settings_moves_last_modified_and_revision_everywhere(client: Any,
                                                                       role: str) -> None:
    """UpdateFunctionConfiguration answers the new FunctionConfiguration: LastModified ("The
    date and time that the function was last updated") and RevisionId ("The latest updated
    revision of the function or alias") change; every later read states the same."""
    function = deploy(client, role, SOURCE)
    before = client.get_function_configuration(FunctionName=function.name)
    time.sleep(NEXT_MILLISECOND)
    updated = client.update_function_configuration(FunctionName=function.name, Timeout=7)
    assert AWS_TIME.fullmatch(updated["LastModified"])
    assert updated["LastModified"] > before["LastModified"]
    assert updated["RevisionId"] != before["RevisionId"]
    for configuration in configurations(client, function.name):
        assert (configuration["LastModified"], configuration["RevisionId"],
                configuration["Timeout"]) == (updated["LastModified"], updated["RevisionId"], 7)


def test_updating_code_moves_code_sha_last_modified_and_revision_everywhere(client: Any,
                                                                            role: str) -> None:
    """UpdateFunctionCode answers the new FunctionConfiguration, with the new package's
    CodeSha256 ("The SHA256 hash of the function's deployment package")."""
    function = deploy(client, role, SOURCE)
    before = client.get_function_configuration(FunctionName=function.name)
    time.sleep(NEXT_MILLISECOND)
    updated = client.update_function_code(FunctionName=function.name,
                                          ZipFile=package({"app.py": OTHER_SOURCE}))
    assert updated["CodeSha256"] != before["CodeSha256"]
    assert updated["LastModified"] > before["LastModified"]
    assert updated["RevisionId"] != before["RevisionId"]
    for configuration in configurations(client, function.name):
        assert ((configuration["CodeSha256"], configuration["LastModified"],
                 configuration["RevisionId"])
                == (updated["CodeSha256"], updated["LastModified"], updated["RevisionId"]))


def test_a_restart_gives_back_the_same_last_modified_and_revision(tmp_path: Path) -> None:
    """What AWS stored does not change when nobody changes it: the journal's replay must give
    the updated function its first LastModified and RevisionId again."""
    with running_sandbox(tmp_path) as box:
        client = box.client("lambda")
        function = deploy(client, create_role(box.client("iam"), may_log=False), SOURCE)
        client.update_function_configuration(FunctionName=function.name, Timeout=9)
        client.update_function_code(FunctionName=function.name,
                                    ZipFile=package({"app.py": OTHER_SOURCE}))
        before = without_metadata(client.get_function_configuration(FunctionName=function.name))
        box.stop()
        box.start()
        after = without_metadata(box.client("lambda").get_function_configuration(
            FunctionName=function.name))
    assert after == before


def test_account_settings_state_the_default_quotas_and_count_what_is_used(client: Any,
                                                                          role: str) -> None:
    """GetAccountSettings: AccountLimit with a new account's quotas (75 GB of storage for
    packages, 50 MB zipped and 250 MB unzipped per package, 1,000 concurrent executions, less
    what PutFunctionConcurrency reserves) and AccountUsage, "The number of Lambda functions"
    and "The amount of storage space, in bytes, that's being used by deployment packages"."""
    before = client.get_account_settings()
    function = deploy(client, role, SOURCE)
    client.put_function_concurrency(FunctionName=function.name, ReservedConcurrentExecutions=5)
    code_size = client.get_function_configuration(FunctionName=function.name)["CodeSize"]
    after = client.get_account_settings()
    assert after["AccountLimit"] == {
        "TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
        "CodeSizeZipped": 52428800, "ConcurrentExecutions": 1000,
        "UnreservedConcurrentExecutions":
            before["AccountLimit"]["UnreservedConcurrentExecutions"] - 5}
    assert after["AccountUsage"] == {
        "FunctionCount": before["AccountUsage"]["FunctionCount"] + 1,
        "TotalCodeSize": before["AccountUsage"]["TotalCodeSize"] + code_size}


@pytest.mark.parametrize("call", ["get_function", "delete_function", "invoke"])
def test_an_arn_of_another_region_is_not_reachable(client: Any, role: str, call: str) -> None:
    # AWS answers ResourceNotFoundException, HTTP 404: "Functions from 'us-east-1' are not
    # reachable in this region ('us-west-1')" (as the AWS SDKs report it, e.g. in
    # alexcasalboni/aws-lambda-power-tuning#18 and aws/aws-cdk#11826).
    function = deploy(client, role, SOURCE)
    elsewhere = function.arn.replace(f":{client.meta.region_name}:", ":eu-west-1:")
    with pytest.raises(client.exceptions.ResourceNotFoundException) as refused:
        getattr(client, call)(FunctionName=elsewhere)
    error = refused.value.response
    assert error["Error"]["Message"] == (
        f"Functions from 'eu-west-1' are not reachable in this region "
        f"('{client.meta.region_name}')")
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert client.get_function(FunctionName=function.name)["Configuration"]["FunctionArn"] == (
        function.arn)  # still there
