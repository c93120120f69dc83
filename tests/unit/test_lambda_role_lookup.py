"""moto's role lookup by ARN, as CreateFunction makes it, while other threads make and delete
roles: it walked IAM's live table and broke ("dictionary changed size during iteration", a 500
to CreateFunction, at random); execution_role.install() makes it walk a snapshot.

The race is made certain here instead of likely: a role whose ARN, read during the walk, makes
and deletes other roles, as another request's thread would between two steps of the walk.
(Two real threads with a short switch interval showed it too, but took from 2 s to a minute.)
"""
from __future__ import annotations

import json
import uuid

import pytest
from moto.iam.models import IAMBackend, Role

from webapp.sandbox.awslambda import execution_role

TRUST = json.dumps({"Version": "2012-10-17", "Statement": []})
ACCOUNT_ID = "123456789012"
ROLES = 50


class MeanwhileRole(Role):
    """A role whose ARN, when read, first lets "another request" make one role and delete one."""

    backend: IAMBackend

    @property
    def arn(self) -> str:  # type: ignore[override]
        made = _create(self.backend, f"made-{uuid.uuid4().hex[:12]}")
        self.backend.delete_role(made.rpartition("/")[2])
        _create(self.backend, f"kept-{uuid.uuid4().hex[:12]}")
        return super().arn


def _create(iam: IAMBackend, name: str) -> str:
    return iam.create_role(name, TRUST, "/", None, "", [], None).arn


@pytest.fixture
def backend() -> IAMBackend:
    """Roles, the first of which changes the table while a walk reads it, the wanted one last."""
    iam = IAMBackend("aws", account_id=ACCOUNT_ID)
    first = iam.get_role_by_arn(_create(iam, "meanwhile"))
    first.__class__ = MeanwhileRole
    MeanwhileRole.backend = iam
    for _ in range(ROLES):
        _create(iam, f"role-{uuid.uuid4().hex[:12]}")
    return iam


def test_a_role_is_found_while_others_are_made_and_deleted(backend: IAMBackend) -> None:
    execution_role.install()
    wanted = _create(backend, "wanted")
    for _ in range(3):
        assert backend.get_role_by_arn(wanted).arn == wanted
    assert sum(role.name.startswith("kept-") for role in backend.roles.values()) >= 3
