"""API Gateway REST APIs in the sandbox: deployed stages answer HTTP, TestInvokeMethod works.

For the console and any HTTP client (AWS_FACTS §6 is the spec):
* `http://127.0.0.1:$SANDBOX_PORT/restapis/<api_id>/<stage>/_user_request_/<path>` serves the
  stage's deployment, as snapshotted when CreateDeployment ran (later edits wait for a redeploy),
  whatever region the API was made in; the stage host `<api_id>.execute-api.localhost` too.
  Unknown paths and verbs answer 403 {"message":"Missing Authentication Token"}.
* AWS_PROXY Lambda integrations get the proxy event 1.0 and run through the sandbox's Lambda
  runtime, after the function's resource policy is checked for apigateway.amazonaws.com, or,
  when the integration has `credentials`, that role's trust and identity policies.
* Calls naming an API the account does not have answer AWS's 404 NotFoundException.
* Update* operations apply their patches as AWS does (patch_paths.py): a method's own and its
  responses' and integration's (patches.py), resources (resource_patches.py), models, request
  validators, deployments and gateway responses (api_part_patches.py), the API itself
  (rest_api_patches.py: binary media types, compression, endpoint type, resource policy).
* ImportRestApi and PutRestApi build OpenAPI 3.0 and Swagger 2.0 documents, JSON or YAML
  (openapi_document.py reads, openapi_import.py builds); documentation parts and versions are
  kept per API (documentation.py).
* GetExport writes a stage's deployment as OpenAPI 3.0.1 or Swagger 2.0, JSON or YAML, with
  its integrations on request (openapi_export.py, from api_definition.py's copy).
* apigateway:TestInvokeMethod runs the live API the same way and answers status, body, headers,
  multiValueHeaders, log (AWS's execution-log text) and latency.
* UpdateStage refuses to enable logging without the account's cloudwatchRoleArn, UpdateAccount
  refuses a role that does not trust API Gateway; enabled stages write execution logs to
  `API-Gateway-Execution-Logs_<api_id>/<stage>` and access logs to their destination.
* CreateStage, CreateDeployment and UpdateStage refuse stage variables past AWS's quotas and
  character rules (stage_variables.py).
* CreateDeployment to an existing stage keeps its settings and variables (redeploy.py).

Modules: `snapshots` (deployments), `matching`, `events` (request, proxy event), `execution`
(log, responses), `gateway` (the shared path), `lambda_proxy`, `permissions`, `mapping` (AWS and
MOCK integrations), `logs`, `settings`, `stage_variables`, `unknown_api`, `patch_paths`,
`patches`, `resource_patches`, `resource_quota` (300 resources an API), `api_part_patches`,
`rest_api_patches`, `responses` (HTTP), `handler` (raw header lines).
"""
from webapp.sandbox.apigateway import (
    api_part_patches, patches, resource_patches, resource_quota, responses, rest_api_patches,
    redeploy, stage_variables, unknown_api)
from webapp.sandbox.apigateway import documentation, openapi_export, openapi_import
from webapp.sandbox.apigateway.gateway import Gateway
from webapp.sandbox.apigateway.handler import RawHeadersRequestHandler
from webapp.sandbox.apigateway.snapshots import SnapshotStore
from webapp.sandbox.awslambda.service import LambdaService
from webapp.sandbox.dispatch import Dispatcher

__all__ = ["RawHeadersRequestHandler", "register"]


def register(dispatcher: Dispatcher, service: LambdaService) -> None:
    """Let `dispatcher` serve stages (of every region) and TestInvokeMethod, calling functions
    through `service`."""
    store = SnapshotStore()
    redeploy.keep_stage_settings()
    responses.register(dispatcher, Gateway(service), store)
    stage_variables.register(dispatcher)
    patches.register(dispatcher)
    resource_patches.register(dispatcher)
    resource_quota.register(dispatcher)
    api_part_patches.register(dispatcher)
    rest_api_patches.register(dispatcher)
    openapi_import.register(dispatcher)
    documentation.register(dispatcher)
    openapi_export.register(dispatcher, store)
    unknown_api.register(dispatcher, responses.HANDLED_OPERATIONS
                         + stage_variables.HANDLED_OPERATIONS + patches.HANDLED_OPERATIONS
                         + resource_patches.HANDLED_OPERATIONS
                         + resource_quota.HANDLED_OPERATIONS
                         + api_part_patches.HANDLED_OPERATIONS
                         + rest_api_patches.HANDLED_OPERATIONS
                         + openapi_import.HANDLED_OPERATIONS + documentation.HANDLED_OPERATIONS
                         + openapi_export.HANDLED_OPERATIONS)
