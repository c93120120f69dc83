"""A function ARN of another region is refused, as Lambda refuses it.

moto looks a function up by the name in its ARN and ignores the ARN's region, so a GetFunction
or DeleteFunction signed for one region, naming `arn:aws:lambda:OTHER:…:function:f`, read or
deleted the `f` of the signing region. Lambda answers ResourceNotFoundException (404): "Functions
from 'OTHER' are not reachable in this region ('SIGNED')", as AWS's SDKs report it.
"""
import re
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from webapp.sandbox.awslambda.exceptions import ResourceNotFoundException
from webapp.sandbox.dispatch import Dispatcher, credential_scope

# /2015-03-31/functions/NAME…, /2017-10-31/functions/NAME/concurrency, … (any API version).
FUNCTION_PATH = re.compile(r"/\d{4}-\d{2}-\d{2}/functions/(?P<function>[^/]+)")
ARN_REGION = re.compile(r"arn:[\w-]+:lambda:(?P<region>[a-z0-9-]+):")


def register(dispatcher: Dispatcher) -> None:
    """Refuse Lambda calls that name a function by an ARN of another region."""

    @dispatcher.guard
    def other_region(request: Request) -> Response | None:
        found = FUNCTION_PATH.match(request.path)
        if found is None:
            return None
        named = ARN_REGION.match(unquote(found["function"]))
        scope = credential_scope(request)
        if named is None or scope is None or scope.service != "lambda" or (
                named["region"] == scope.region):
            return None
        return ResourceNotFoundException(
            f"Functions from '{named['region']}' are not reachable in this region "
            f"('{scope.region}')").response()
