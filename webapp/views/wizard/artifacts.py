"""What each wizard step made, as the page lists it: a name, its ARN or id, a link to its page."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from webapp.aws.apigateway import rest_apis, stages as api_stages
from webapp.aws.errors import ConsoleError
from webapp.wizard.model import Made


@dataclass(frozen=True, slots=True)
class Artifact:
    """One thing a step made (or adopted)."""

    kind: LazyString
    name: str
    identifier: str  # an ARN, an id or a URL, with a copy button
    url: str | None  # its page in the console
    adopted: bool = False  # it existed before the wizard


def artifacts(made: Made) -> dict[str, list[Artifact]]:
    """Per step key, what that step made, from the record in the session."""
    found: dict[str, list[Artifact]] = {key: [] for key in ("table", "access", "function", "api",
                                                            "stage")}
    if made.table_name:
        found["table"].append(Artifact(_l("DynamoDB table"), made.table_name, made.table_arn or "",
                                       url_for("dynamodb.tables.detail", table_name=made.table_name),
                                       not made.made_it("table", made.table_name)))
    if made.policy_arn:
        found["access"].append(Artifact(_l("IAM policy"), made.policy_arn.rsplit("/", 1)[-1],
                                        made.policy_arn, url_for("iam.policies.policy", arn=made.policy_arn),
                                        not made.made_it("policy", made.policy_arn)))
    if made.role_name:
        found["access"].append(Artifact(_l("IAM role"), made.role_name, made.role_arn or "",
                                        url_for("iam.roles.role", role_name=made.role_name),
                                        not made.made_it("role", made.role_name)))
    if made.function_name:
        found["function"].append(Artifact(_l("Lambda function"), made.function_name,
                                          made.function_arn or "",
                                          url_for("lambda.pages.detail",
                                                  function_name=made.function_name),
                                          not made.made_it("function", made.function_name)))
    if made.api_id:
        found["api"].append(Artifact(_l("REST API"), made.api_id, made.api_id,
                                     url_for("apigateway.rest_apis.detail", api_id=made.api_id),
                                     not made.made_it("api", made.api_id)))
        for path, resource_id in made.resource_ids.items():
            found["api"].append(Artifact(_l("Resource"), path, resource_id, None))
    if made.api_id and made.stage_name:
        try:
            stage_url = api_stages.invoke_url(made.api_id, made.stage_name)
        except ConsoleError:
            stage_url = ""
        found["stage"].append(Artifact(_l("Stage"), made.stage_name, stage_url,
                                       url_for("apigateway.rest_apis.stage", api_id=made.api_id,
                                               stage_name=made.stage_name)))
        if made.logging_role_arn:
            found["stage"].append(Artifact(_l("CloudWatch Logs role of the account"),
                                           made.logging_role_name or "", made.logging_role_arn,
                                           url_for("iam.roles.role",
                                                   role_name=made.logging_role_name or "")))
    return found
