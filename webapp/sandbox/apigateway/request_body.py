"""The JSON object an API Gateway management call sends, as the sandbox's checks read it."""
import json
from typing import Any

from werkzeug.wrappers import Request


def json_object(request: Request) -> dict[str, Any]:
    """The request's JSON body if it is an object; else {} (moto answers the malformed call)."""
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
