"""DynamoDB reads text as UTF-8: a body that has none is refused as DynamoDB refuses it.

"Strings are Unicode with UTF-8 binary encoding" (DynamoDB's supported data types). A request
whose bytes are not UTF-8, or whose JSON escapes name a lone UTF-16 surrogate (`\\ud800` with no
partner, which has no UTF-8 form), cannot be read by DynamoDB's JSON reader: AWS answers 400
`com.amazon.coral.service#SerializationException` and stores nothing. moto parsed such a body
into Python text that its key ordering could not encode, and answered 500.

The check costs one C-speed decode of the body. Only a body with a `\\u` escape in the surrogate
range (how SDKs send characters beyond the Basic Multilingual Plane, emoji for instance) is
parsed once more to see whether every surrogate has its partner.
"""
import json
import re

from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import Dispatcher
from webapp.sandbox.dynamodb.errors import SERIALIZATION, error

TARGET_PREFIX = "DynamoDB_20120810."
# A JSON escape of a UTF-16 surrogate, high (D800-DBFF) or low (DC00-DFFF).
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def register(dispatcher: Dispatcher) -> None:
    """Refuse DynamoDB requests whose text is not UTF-8."""
    dispatcher.guard(refuse_text_without_utf_8)


def refuse_text_without_utf_8(request: Request) -> Response | None:
    """SerializationException for a DynamoDB body that is not UTF-8 text; None otherwise."""
    if not request.headers.get("X-Amz-Target", "").startswith(TARGET_PREFIX):
        return None
    body = request.get_data()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return error(SERIALIZATION, None)
    if SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(text):
        return error(SERIALIZATION, None)
    return None


def _has_lone_surrogate(text: str) -> bool:
    """Whether the JSON `text` holds a string with an unpaired surrogate (paired escapes decode
    to one character and encode)."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return False  # moto answers malformed JSON as DynamoDB does
    try:
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
