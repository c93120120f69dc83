"""The left navigation: every area of the console, in the tutorial's order."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


@dataclass(frozen=True, slots=True)
class NavItem:
    """One link in the left navigation."""

    endpoint: str
    label: LazyString
    service: str

    def marks(self, endpoint: str | None, items: tuple[NavItem, ...]) -> bool:
        """Whether a page at `endpoint` belongs to this link: the link of its own blueprint
        (apigateway.settings), else the first link of its area (apigateway)."""
        if not endpoint:
            return False
        blueprint = endpoint.rpartition(".")[0]
        if any(item.endpoint.rpartition(".")[0] == blueprint for item in items):
            return self.endpoint.rpartition(".")[0] == blueprint
        area = endpoint.split(".")[0]
        first = next((item for item in items if item.endpoint.split(".")[0] == area), None)
        return first is self


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("dashboard.index", _l("Dashboard"), ""),
    NavItem("stack_map.index", _l("Map"), ""),
    NavItem("dynamodb.tables.index", _l("Tables"), "DynamoDB"),
    NavItem("iam.start.index", _l("IAM"), "IAM"),
    NavItem("lambda.pages.index", _l("Functions"), "Lambda"),
    NavItem("apigateway.rest_apis.index", _l("APIs"), "API Gateway"),
    NavItem("apigateway.settings.index", _l("API Gateway settings"), ""),
    NavItem("logs.log_groups.index", _l("Logs"), "CloudWatch Logs"),
    NavItem("wizard.pages.index", _l("Setup wizard"), ""),
)
# Only the sandbox has a state of its own to keep, reset and restore.
SANDBOX_NAV_ITEM = NavItem("sandbox.index", _l("Sandbox"), "")


def nav_items(backend: str) -> tuple[NavItem, ...]:
    """The navigation for this backend: the Sandbox page only when there is a sandbox."""
    return NAV_ITEMS + (SANDBOX_NAV_ITEM,) if backend == "sandbox" else NAV_ITEMS


# Dashboard tiles: what each count in webapp.aws.overview is called and where it links.
RESOURCE_TILES: dict[str, NavItem] = {
    "tables": NavItem("dynamodb.tables.index", _l("Tables"), "DynamoDB"),
    "functions": NavItem("lambda.pages.index", _l("Functions"), "Lambda"),
    "roles": NavItem("iam.start.index", _l("Roles"), "IAM"),
    "policies": NavItem("iam.start.index", _l("Customer-managed policies"), "IAM"),
    "apis": NavItem("apigateway.rest_apis.index", _l("REST APIs"), "API Gateway"),
    "log_groups": NavItem("logs.log_groups.index", _l("Log groups"), "CloudWatch Logs"),
}
