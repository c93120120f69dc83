"""What a refused call answers, as the conformance cases compare it with AWS's documented error.

AWS's API references state an error by its HTTP status, its code and its message; botocore
raises ClientError with all three.
"""
from typing import Any

import pytest
from botocore.exceptions import ClientError


def refusal(call: Any, **parameters: Any) -> tuple[int, str, str]:
    """(HTTP status, error code, message) of a call that must fail."""
    with pytest.raises(ClientError) as raised:
        call(**parameters)
    answer = raised.value.response
    return (answer["ResponseMetadata"]["HTTPStatusCode"], answer["Error"]["Code"],
            answer["Error"]["Message"])
