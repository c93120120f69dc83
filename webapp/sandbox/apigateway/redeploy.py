"""CreateDeployment to a stage that exists keeps the stage's settings, as AWS does.

AWS (Developer Guide, "Create a deployment for a REST API in API Gateway"): "To redeploy an API,
perform the same steps. You can reuse the same stage as many times as desired", and stage
settings such as logging, once changed, "you must redeploy the API for the changes to take
effect" — a redeploy points the stage at the new deployment and leaves its settings (logging,
metrics, throttling, its description and stage variables) alone; `variables` given with the
call set those names. moto 5.2.5 made a new stage in its place, so every redeploy turned
execution logging off and dropped the stage's variables.
"""
from typing import Any

from moto.apigateway.models import Deployment, RestAPI

_original = RestAPI.create_deployment


def keep_stage_settings() -> None:
    """Make moto's RestAPI.create_deployment keep an existing stage (once per process)."""
    if RestAPI.create_deployment is not _original:
        return
    RestAPI.create_deployment = _create_deployment  # type: ignore[method-assign]


def _create_deployment(self: RestAPI, name: str, description: str,
                       stage_variables: Any = None) -> Deployment:
    kept = self.stages.get(name) if name else None
    deployment = _original(self, name, description, stage_variables)
    if kept is not None:
        kept.deployment_id = deployment.id
        kept.variables = {**kept.variables, **(stage_variables or {})}
        self.stages[name] = kept
    return deployment
