"""GetAccountSettings, which moto does not serve: a fresh account's limits and what is used.

AWS answers `{"AccountLimit": {...}, "AccountUsage": {"FunctionCount", "TotalCodeSize"}}`
(https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html). The limits are
Lambda's default quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html):
75 GB of code storage, 50 MB zipped and 250 MB unzipped per package (the figures
package_limits.py enforces), 1,000 concurrent executions. Usage is counted from what the region
holds: every function version's package counts against storage, as on AWS; layers are not counted.

moto's router does not know the operation, so the sandbox answers it by its path.
"""
import json
from http import HTTPStatus

from moto.awslambda.models import lambda_backends
from moto.iam.models import get_account_id_from
from werkzeug.wrappers import Request, Response

from webapp.sandbox.awslambda.package_limits import UNZIPPED_SIZE_LIMIT
from webapp.sandbox.dispatch import Dispatcher, credential_scope

ACCOUNT_SETTINGS_RULE = "/2016-08-19/account-settings/"
TOTAL_CODE_SIZE_LIMIT = 75 * 1024 ** 3
ZIPPED_SIZE_LIMIT = 50 * 1024 ** 2
CONCURRENT_EXECUTIONS_LIMIT = 1000


def register(dispatcher: Dispatcher) -> None:
    """Answer GetAccountSettings."""
    dispatcher.route(ACCOUNT_SETTINGS_RULE, methods=["GET"])(account_settings)


def account_settings(request: Request) -> Response | None:
    """The account's limits and usage in the region the request is signed for."""
    scope = credential_scope(request)
    if scope is None:
        return None  # unsigned: not an API call, moto answers it as it does today
    backend = lambda_backends[get_account_id_from(scope.access_key_id)][scope.region]
    latest = list(backend.list_functions())
    reserved = sum(int(function.reserved_concurrency or 0) for function in latest)
    stored = sum(int(function.code_size) for function in backend.list_functions("ALL"))
    body = {
        "AccountLimit": {
            "TotalCodeSize": TOTAL_CODE_SIZE_LIMIT,
            "CodeSizeUnzipped": UNZIPPED_SIZE_LIMIT,
            "CodeSizeZipped": ZIPPED_SIZE_LIMIT,
            "ConcurrentExecutions": CONCURRENT_EXECUTIONS_LIMIT,
            "UnreservedConcurrentExecutions": CONCURRENT_EXECUTIONS_LIMIT - reserved,
        },
        "AccountUsage": {"TotalCodeSize": stored, "FunctionCount": len(latest)},
    }
    return Response(json.dumps(body), status=HTTPStatus.OK, mimetype="application/json")
