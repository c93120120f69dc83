"""The function's code is on its page: every file, the handler's first, edited in place and
deployed; a package the editor cannot write back is shown read-only with the reason."""
from __future__ import annotations

import io
import zipfile

from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import INVOKE_TIMEOUT_MS, sections_loaded, sign_in
from .test_function_delete import connect
from .test_function_notes import TRUST_LAMBDA

HANDLER = "import helpers\n\ndef lambda_handler(event, context):\n    return helpers.greet(event)\n"


def package(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def create(console: RunningConsole, name: str, files: dict[str, str]) -> None:
    role = connect(console, "iam").create_role(RoleName=f"{name}-role",
                                               AssumeRolePolicyDocument=TRUST_LAMBDA)["Role"]
    lambda_client = connect(console, "lambda")
    lambda_client.create_function(FunctionName=name, Runtime="python3.12", Role=role["Arn"],
                                  Handler="lambda_function.lambda_handler",
                                  Code={"ZipFile": package(files)})
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=name)


def test_edit_a_file_deploy_and_run_the_new_code(page: Page, console: RunningConsole) -> None:
    create(console, "two-files-fn", {
        "helpers.py": "def greet(event):\n    return 'hello ' + event.get('name', '')\n",
        "lambda_function.py": HANDLER})
    sign_in(page, console, console.base_url + "/functions/two-files-fn")
    code = page.locator("#function-code")
    expect(code.locator("label.code-file-name")).to_have_text(["lambda_function.py", "helpers.py"])
    expect(page.get_by_label("lambda_function.py")).to_have_value(HANDLER)

    page.get_by_label("helpers.py").fill("def greet(event):\n    return 'bye ' + event['name']\n")
    sections_loaded(page)  # what loads above the code would move Deploy under the pointer
    code.get_by_role("button", name="Deploy").click()
    expect(page.get_by_role("status").filter(has_text="Deployed the code.")).to_be_visible()
    expect(page.get_by_label("helpers.py")).to_have_value(
        "def greet(event):\n    return 'bye ' + event['name']\n")
    expect(page.locator("#last-update")).to_contain_text("Successful")

    page.get_by_label("Event JSON").fill('{"name": "Kim"}')
    sections_loaded(page)
    page.get_by_role("button", name="Invoke").click()
    # New code starts a fresh worker (a cold start): slower than 5 s once on a loaded machine.
    expect(page.locator(".invocation pre.output").first).to_contain_text('"bye Kim"', timeout=INVOKE_TIMEOUT_MS)


def test_a_package_with_folders_is_read_only_and_says_why(page: Page,
                                                           console: RunningConsole) -> None:
    create(console, "nested-fn", {"lambda_function.py": HANDLER,
                                  "lib/helpers.py": "def greet(event):\n    return 1\n"})
    sign_in(page, console, console.base_url + "/functions/nested-fn")
    code = page.locator("#function-code")
    expect(code.get_by_role("note")).to_contain_text(
        "The package holds folders (lib/), so it is shown read-only")
    expect(code.locator("pre").first).to_have_text(HANDLER)
    expect(code).to_contain_text("lib/helpers.py")
    expect(code.locator("textarea")).to_have_count(0)
    expect(code.get_by_role("button", name="Deploy")).to_have_count(0)
    code.get_by_text("Upload a .zip", exact=True).click()
    expect(code.get_by_label(".zip file")).to_be_visible()
