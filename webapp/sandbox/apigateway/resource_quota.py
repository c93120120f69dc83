"""API Gateway's quota of 300 resources per REST API, enforced as AWS enforces it.

"Resources per API: 300" (API Gateway quotas for REST APIs; the root resource counts). Beyond it
AWS answers CreateResource, ImportRestApi and PutRestApi with 429 LimitExceededException
"Maximum number of Resources for this API has been reached.  Please contact AWS if you need
additional Resources." (two spaces, as AWS writes it) and `retryAfterSeconds: null`. moto had no
quota, and an API grown a resource at a time past a few hundred levels deep made its recursive
resource paths overflow: GetResources answered 500 from then on.
"""
import re

from moto.apigateway.models import RestAPI
from moto.iam.models import get_account_id_from
from werkzeug.wrappers import Request, Response

from webapp.sandbox.apigateway.exceptions import LimitExceededException
from webapp.sandbox.apigateway.snapshots import find_api
from webapp.sandbox.apigateway.unknown_api import missing_api
from webapp.sandbox.dispatch import AwsOperation, Dispatcher

MAX_RESOURCES = 300
RESOURCE_LIMIT = ("Maximum number of Resources for this API has been reached.  Please contact "
                  "AWS if you need additional Resources.")
CREATE_RESOURCE_PATH = re.compile(r"/restapis/(?P<api_id>[^/]+)/resources/[^/]+/?")
HANDLED_OPERATIONS = ("CreateResource",)


def refuse_past_quota(count: int) -> None:
    """LimitExceededException if an API would hold `count` resources."""
    if count > MAX_RESOURCES:
        raise LimitExceededException(RESOURCE_LIMIT)


def register(dispatcher: Dispatcher) -> None:
    """Refuse CreateResource on an API that holds its quota of resources."""

    @dispatcher.register("apigateway", "CreateResource")
    def create_resource(request: Request, operation: AwsOperation) -> Response | None:
        refusal = missing_api(request, operation)
        found = CREATE_RESOURCE_PATH.fullmatch(request.path)
        if refusal is not None or found is None:
            return refusal
        api: RestAPI | None = find_api(get_account_id_from(operation.access_key_id),
                                       operation.region, found["api_id"])
        try:
            refuse_past_quota(len(api.resources) + 1 if api is not None else 1)
        except LimitExceededException as err:
            return err.response()
        return None
