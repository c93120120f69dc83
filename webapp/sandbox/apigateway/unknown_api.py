"""Calls that name a REST API the account does not have: AWS's NotFoundException, before moto.

AWS answers 404 NotFoundException "Invalid API identifier specified {account}:{api_id}" to every
call under `/restapis/{restapi_id}`; moto words it differently ("Invalid Rest API Id specified")
and some of its operations (UpdateRestApi) crash with a 500 instead. The operations are read from
API Gateway's service model (botocore's, as moto's router loads it), so every one whose URI names an API is covered.
"""
import re
from collections.abc import Iterable

from moto.core.routing import get_service_model
from moto.iam.models import get_account_id_from
from werkzeug.wrappers import Request, Response

from webapp.sandbox.apigateway.exceptions import NotFoundException
from webapp.sandbox.apigateway.snapshots import find_api
from webapp.sandbox.dispatch import AwsOperation, Dispatcher

SERVICE = "apigateway"
API_URI_PREFIX = "/restapis/{restapi_id}"
API_PATH = re.compile(r"/restapis/(?P<api_id>[^/?]+)")


def operations_naming_an_api() -> list[str]:
    """API Gateway's operations whose request URI names a REST API."""
    model = get_service_model(SERVICE)
    return [name for name in model.operation_names
            if model.operation_model(name).http["requestUri"].startswith(API_URI_PREFIX)]


def invalid_api(account_id: str, api_id: str) -> NotFoundException:
    """AWS's error for an API id the account does not have."""
    return NotFoundException(f"Invalid API identifier specified {account_id}:{api_id}")


def missing_api(request: Request, operation: AwsOperation) -> Response | None:
    """AWS's 404 if the API the request names is not in the caller's account and region."""
    found = API_PATH.match(request.path)
    if found is None:
        return None
    account_id = get_account_id_from(operation.access_key_id)
    if find_api(account_id, operation.region, found["api_id"]) is not None:
        return None
    return invalid_api(account_id, found["api_id"]).response()


def register(dispatcher: Dispatcher, handled_elsewhere: Iterable[str]) -> None:
    """Answer unknown APIs for every operation but those whose own handler calls missing_api."""
    skipped = frozenset(handled_elsewhere)
    for name in operations_naming_an_api():
        if name not in skipped:
            dispatcher.register(SERVICE, name)(missing_api)
