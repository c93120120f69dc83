"""The JSON object a DynamoDB call sends, as the sandbox's handlers and amenders read it.

DynamoDB's JSON 1.0 protocol sends every parameter in one JSON object. A body that is empty,
malformed or not an object reads as no parameters: moto answers such a call with its own error,
so the corrections here have nothing to add to it.
"""
import json
from typing import Any

from werkzeug.wrappers import Request


def parameters(request: Request) -> dict[str, Any]:
    """The request's parameters: its JSON body if that is an object, else {}."""
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
