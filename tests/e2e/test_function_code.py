"""On the sandbox a person downloads a function's code, edits it inline and sees it run."""
from __future__ import annotations

import io
import re
import zipfile

from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import INVOKE_TIMEOUT_MS, sections_loaded, sign_in
from .test_function_notes import make_function


def test_download_edit_inline_and_invoke(page: Page, console: RunningConsole) -> None:
    make_function(console, "inline-fn", "python3.12", with_logs=True)
    sign_in(page, console, console.base_url + "/functions/inline-fn")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download .zip").click()
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    assert "def lambda_handler" in archive.read("lambda_function.py").decode()

    editor = page.get_by_label("lambda_function.py")
    expect(editor).to_have_value(re.compile(r"def lambda_handler"))
    editor.fill("def lambda_handler(event, context):\n    return {'edited': event.get('name')}\n")
    sections_loaded(page)  # what loads above the code would move Deploy under the pointer
    page.get_by_role("button", name="Deploy").click()
    expect(page.get_by_role("status").filter(has_text="Deployed the code.")).to_be_visible()
    expect(page.get_by_label("lambda_function.py")).to_have_value(re.compile(r"'edited'"))

    page.get_by_label("Event JSON").fill('{"name": "Kim"}')
    sections_loaded(page)
    page.get_by_role("button", name="Invoke").click()
    # The new code starts a fresh worker (a cold start): slower than 5 s once on a loaded machine.
    expect(page.locator(".invocation pre.output").first).to_contain_text('"edited": "Kim"',
                                                                        timeout=INVOKE_TIMEOUT_MS)
