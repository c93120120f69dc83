"""Every CloudWatch Logs answer labelled `application/x-amz-json-1.1`, as AWS labels it.

Logs speaks AWS's JSON 1.1 protocol (botocore's model: protocol "json", jsonVersion "1.1"), and
the API Reference's sample responses carry `Content-Type: application/x-amz-json-1.1`. moto
5.2.5 returns its Logs results as bare strings, which its server sends as `text/html`, and its
errors as `application/json`. boto3 parses either, but a client that reads the header (or a
proxy that transforms text/html) sees an answer AWS never gives.

The label is set where moto's LogsResponse turns an action's result or error into headers
(BaseResponse.call_action, wrapped for LogsResponse alone), so every Logs operation moto
answers, including the sandbox's replacements in operations.py, is covered in one place.
"""
from collections.abc import Callable
from typing import Any

from moto.core.responses import BaseResponse
from moto.logs.responses import LogsResponse

AWS_JSON_1_1 = "application/x-amz-json-1.1"
CONTENT_TYPE = "Content-Type"
_INSTALLED = "_sandbox_labels_json_1_1"


def labelled(call_action: Callable[[BaseResponse], Any]) -> Callable[[BaseResponse], Any]:
    """`call_action`, its answer's Content-Type set to AWS's JSON 1.1 media type."""
    def call_labelled(self: BaseResponse) -> Any:
        status, headers, body = call_action(self)
        for name in [name for name in headers if name.lower() == CONTENT_TYPE.lower()]:
            del headers[name]
        headers[CONTENT_TYPE] = AWS_JSON_1_1
        return status, headers, body

    call_labelled.__doc__ = call_action.__doc__
    return call_labelled


def install() -> None:
    """Label LogsResponse's answers (once per process)."""
    if LogsResponse.__dict__.get(_INSTALLED):
        return
    LogsResponse.call_action = labelled(BaseResponse.call_action)  # type: ignore[method-assign]
    setattr(LogsResponse, _INSTALLED, True)
