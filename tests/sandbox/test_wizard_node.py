"""Black-box: the wizard's steps build the tutorial's backend with a Node.js function on the
sandbox (lambda_code/items-nodejs over the SDK v3 the runtime provides), the tutorial's way sees
AccessDenied first, and choosing Python afterwards swaps the function's code and still works."""
from __future__ import annotations

from dataclasses import replace

from webapp.aws.functions import runtime_info
from webapp.wizard import live_check, steps
from webapp.wizard.model import Made

from tests.helpers import needs_node, needs_node_sdk

from .processes import ClientFactory
from .wizard_support import named_plan, run_all

pytestmark = [needs_node(), needs_node_sdk()]

CREATED_READ_LISTED = [201, 200, 200]


def test_a_node_function_serves_the_items_then_python_takes_over(
        console_calls: None, aws_client: ClientFactory) -> None:
    plan = named_plan("wiz-node", runtime="nodejs20.x", tutorial_way=True)
    made = run_all(plan, Made())
    config = aws_client("lambda").get_function_configuration(FunctionName=plan.function_name)
    assert (config["Runtime"], config["Handler"]) == ("nodejs20.x", "index.handler")
    effective = runtime_info.effective_runtime(plan.function_name)
    assert effective is not None and effective.is_supported, effective
    assert effective.effective.startswith("Node.js v")

    first = live_check.run_check(plan, made)  # only the basic role: DynamoDB refuses
    assert first[0].status == 500 and not first[0].ok, first[0].body
    made = steps.attach_table_policy(plan, made)
    calls = live_check.run_check(plan, made)
    assert [call.status for call in calls] == CREATED_READ_LISTED, [call.body for call in calls]
    assert live_check.CHECK_ITEM_NAME in calls[1].body and "Notebook" in calls[2].body

    python = replace(plan, runtime="python3.12", tutorial_way=False)
    assert steps.undone_by(plan, python, list(steps.STEP_KEYS)) == ["table"]
    made = run_all(python, made)
    config = aws_client("lambda").get_function_configuration(FunctionName=plan.function_name)
    assert (config["Runtime"], config["Handler"]) == ("python3.12",
                                                      "lambda_function.lambda_handler")
    calls = live_check.run_check(python, made)
    assert [call.status for call in calls] == CREATED_READ_LISTED, [call.body for call in calls]
