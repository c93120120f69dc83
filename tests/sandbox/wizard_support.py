"""The wizard on the sandbox: a plan with unique names, and every step run in order."""
from __future__ import annotations

import uuid

from webapp.wizard import steps
from webapp.wizard.model import Made, Plan


def named_plan(prefix: str = "wiz", **changes: object) -> Plan:
    """The default plan with names no other test uses."""
    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    return Plan(table_name=name, policy_name=f"{name}-access", role_name=f"{name}-role",
                function_name=f"{name}-fn", api_name=f"{name}-api", **changes)  # type: ignore[arg-type]


def run_all(plan: Plan, made: Made) -> Made:
    """Every building step, in order."""
    for step in steps.STEPS:
        made = step.run(plan, made)
    return made
