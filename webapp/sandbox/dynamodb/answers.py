"""Reading and rewriting moto's DynamoDB answers, for the amenders that correct them.

A rewritten body needs a new `x-amz-crc32`: botocore checks DynamoDB answers against it.
"""
import binascii
import json
from http import HTTPStatus

from werkzeug.wrappers import Response

CRC32_HEADER = "x-amz-crc32"


def answer_body(answer: Response) -> dict | None:
    """moto's successful answer as a JSON object, or None (an error, or not an object)."""
    if answer.status_code != HTTPStatus.OK:
        return None
    try:
        body = json.loads(answer.get_data())
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def rewritten(answer: Response, body: dict) -> Response:
    """`answer` carrying `body` instead, with its checksum to match."""
    data = json.dumps(body).encode()
    answer.set_data(data)
    if CRC32_HEADER in answer.headers:
        answer.headers[CRC32_HEADER] = str(binascii.crc32(data))
    return answer
