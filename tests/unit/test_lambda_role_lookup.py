"""moto's role lookup by ARN, as CreateFunction makes it, while other threads make and delete
roles: it walked IAM's live table and broke ("dictionary changed size during iteration", a 500
to CreateFunction, at random); execution_role.install() makes it walk a snapshot.

In process, with a short thread switch interval so the two threads interleave inside the walk.
"""
import json
import sys
import threading
import uuid
from collections.abc import Iterator

import pytest
from moto.iam.models import IAMBackend

from webapp.sandbox.awslambda import execution_role

TRUST = json.dumps({"Version": "2012-10-17", "Statement": []})
ACCOUNT_ID = "123456789012"
# Enough roles that a walk is long, enough lookups that a broken walk shows (it broke ~4% of
# lookups against moto 5.2.5 as it is).
ROLES = 2000
LOOKUPS = 2000
SWITCH_SECONDS = 0.0001


@pytest.fixture
def backend() -> IAMBackend:
    iam = IAMBackend("aws", account_id=ACCOUNT_ID)
    for _ in range(ROLES):
        _create(iam, f"role-{uuid.uuid4().hex[:12]}")
    return iam


@pytest.fixture
def fast_switching() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_SECONDS)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _create(iam: IAMBackend, name: str) -> str:
    return iam.create_role(name, TRUST, "/", None, "", [], None).arn


def test_a_role_is_found_while_others_are_made_and_deleted(backend: IAMBackend,
                                                           fast_switching: None) -> None:
    execution_role.install()
    wanted = _create(backend, "wanted")
    done = threading.Event()

    def churn() -> None:
        while not done.is_set():
            name = f"churn-{uuid.uuid4().hex[:12]}"
            _create(backend, name)
            backend.delete_role(name)

    churner = threading.Thread(target=churn)
    churner.start()
    failures: list[str] = []
    try:
        for _ in range(LOOKUPS):
            try:
                assert backend.get_role_by_arn(wanted).arn == wanted
            except RuntimeError as err:
                failures.append(str(err))
    finally:
        done.set()
        churner.join()
    assert failures == []
