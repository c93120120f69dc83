"""Hello world: answers with a greeting and echoes the event it got."""
from __future__ import annotations

import json
from typing import Any


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Greet whoever the event names (`{"name": "..."}`), else the world."""
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    print(f"hello invoked for {name}")
    return {
        "statusCode": 200,
        "body": json.dumps({"message": f"Hello, {name}!", "requestId": context.aws_request_id}),
    }
