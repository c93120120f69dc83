"""Managed policies ticked while creating a role; the role-delete page saying what will happen,
and what did; IAM's counts in each language's plural forms."""
from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import boto3
from botocore.exceptions import ClientError
import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from webapp import create_app
from webapp.aws.iam import roles as iam_roles
from webapp.config import PROJECT_ROOT

from tests.helpers import PASSWORD, csrf_token, injected, load_only_managed_policies

REGION = "ap-northeast-2"
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
CREATE = "/iam/roles/create/new"
READ_NOTES = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "dynamodb:GetItem",
    "Resource": "arn:aws:dynamodb:ap-northeast-2:123456789012:table/Notes"}]})


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    load_only_managed_policies(monkeypatch, ("AWSLambdaBasicExecutionRole",
                                             "AmazonAPIGatewayPushToCloudWatchLogs"))
    with mock_aws():
        yield create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws",
                          "CONSOLE_PASSWORD": PASSWORD})


def iam():  # type: ignore[no-untyped-def]
    return boto3.client("iam", region_name=REGION)


def customer_policy(name: str) -> str:
    return iam().create_policy(PolicyName=name, PolicyDocument=READ_NOTES)["Policy"]["Arn"]


def create(client: FlaskClient, policy_arns: list[str], headers: dict[str, str] | None = None,
           **fields: str):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {"role_name": "notes-fn-role", "template": "lambda",
                                 "trust_policy": "", "description": "", "policy_arn": policy_arns,
                                 "csrf_token": csrf_token(client, CREATE)}
    values.update(fields)
    return client.post(CREATE, data=values, headers=headers or {})


def post(client: FlaskClient, path: str, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_token(client, "/iam/roles"), **fields})


def attached(role_name: str = "notes-fn-role") -> set[str]:
    return {policy["PolicyArn"]
            for policy in iam().list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]}


def role_names() -> list[str]:
    return [role["RoleName"] for role in iam().list_roles()["Roles"]]


def banners(page: str) -> list[str]:
    return [html.unescape(text) for text in re.findall(r'class="banner banner-\w+" role="status">([^<]*)<', page)]


def ticked(page: str) -> list[str]:
    return re.findall(r'name="policy_arn" value="([^"]+)" checked', page)


def text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_the_form_offers_aws_and_customer_managed_policies_and_searches(
        signed_in: FlaskClient) -> None:
    customer_policy("notes-read")
    page = signed_in.get(CREATE).text
    assert "AWSLambdaBasicExecutionRole" in page and "notes-read" in page
    reply = create(signed_in, [], step="search", policy_query="PushToCloud", role_name="")
    assert reply.status_code == 200
    assert "AWS-managed matching PushToCloud" in html.unescape(reply.text)
    assert role_names() == []  # a search creates nothing


def test_ticked_aws_and_customer_policies_are_attached_with_the_role(
        signed_in: FlaskClient) -> None:
    notes_read = customer_policy("notes-read")
    reply = create(signed_in, [BASIC, notes_read])
    assert reply.status_code == 303
    assert reply.headers["Location"] == "/iam/roles/notes-fn-role"
    assert attached() == {BASIC, notes_read}
    assert banners(signed_in.get("/iam/roles/notes-fn-role").text) == [
        "Created the role notes-fn-role and attached 2 policies: "
        "AWSLambdaBasicExecutionRole, notes-read."]


def test_the_review_lists_the_ticked_policies(signed_in: FlaskClient) -> None:
    notes_read = customer_policy("notes-read")
    reply = create(signed_in, [notes_read], step="review")
    assert reply.status_code == 200
    review = reply.text[reply.text.index('id="role-review"'):]
    assert "<code>notes-read</code>" in review and "AWSLambdaBasicExecutionRole" not in review
    assert role_names() == []


def test_a_bad_name_keeps_what_was_typed_and_ticked(signed_in: FlaskClient) -> None:
    notes_read = customer_policy("notes-read")
    reply = create(signed_in, [BASIC, notes_read], role_name="notes role!",
                   description="Reads notes")
    assert reply.status_code == 422
    assert 'value="notes role!"' in reply.text and 'value="Reads notes"' in reply.text
    assert ticked(reply.text) == [BASIC, notes_read]
    assert role_names() == []


def test_a_policy_gone_before_create_is_named_beside_the_policies_and_nothing_is_made(
        signed_in: FlaskClient) -> None:
    notes_read = customer_policy("notes-read")
    iam().delete_policy(PolicyArn=notes_read)
    reply = create(signed_in, [BASIC, notes_read])
    assert reply.status_code == 422
    assert 'id="policy_arn-error" class="field-error">1 policy no longer exists: notes-read.' \
        in html.unescape(reply.text)
    assert ticked(reply.text) == [BASIC, notes_read]
    assert role_names() == []
    reply = create(signed_in, ["not-an-arn"])
    assert "Tick policies from the lists below." in reply.text and role_names() == []


def test_a_policy_iam_refuses_after_the_role_is_made_is_reported_on_the_role_page(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    notes_read = customer_policy("notes-read")
    real_create_role = iam_roles.create_role

    def create_role_then_lose_the_policy(*args: object, **kwargs: object) -> iam_roles.Role:
        made = real_create_role(*args, **kwargs)  # type: ignore[arg-type]
        iam().delete_policy(PolicyArn=notes_read)  # someone deletes it in between
        return made

    monkeypatch.setattr(iam_roles, "create_role", create_role_then_lose_the_policy)
    reply = create(signed_in, [BASIC, notes_read])
    assert reply.status_code == 303
    assert attached() == {BASIC}
    shown = banners(signed_in.get(reply.headers["Location"]).text)
    assert shown[0] == ("Created the role notes-fn-role and attached 1 policy: "
                        "AWSLambdaBasicExecutionRole.")
    assert shown[1].startswith("Not attached: notes-read.")
    assert shown[1].endswith("The role exists without it: attach it below, or delete the role.")


def test_the_delete_page_says_what_will_go_and_only_afterwards_what_went(
        signed_in: FlaskClient) -> None:
    notes_read = customer_policy("notes-read")
    create(signed_in, [BASIC])
    post(signed_in, "/iam/roles/notes-fn-role/inline/new", policy_name="notes",
         document=READ_NOTES)
    confirm = text(signed_in.get("/iam/roles/notes-fn-role/delete").text)
    assert "1 managed policy will be detached: AWSLambdaBasicExecutionRole" in confirm
    assert "1 inline policy will be deleted: notes" in confirm
    assert "Detached" not in confirm and "Removed:" not in confirm
    post(signed_in, "/iam/roles/notes-fn-role/attach", policy_arn=notes_read)
    confirm = text(signed_in.get("/iam/roles/notes-fn-role/delete").text)
    assert "These 2 managed policies will be detached:" in confirm
    reply = post(signed_in, "/iam/roles/notes-fn-role/delete", confirm_name="notes-fn-role")
    assert reply.status_code == 303
    assert banners(signed_in.get("/iam/roles").text) == [
        "Deleted the role notes-fn-role. Detached 2 managed policies first: "
        "AWSLambdaBasicExecutionRole, notes-read. Deleted 1 inline policy first: notes."]


@pytest.mark.parametrize(("roles", "expected"), [
    (["a-role"], "from 1 role, then deleted it."),
    (["a-role", "b-role"], "from 2 roles, then deleted it."),
])
def test_a_policy_delete_counts_roles_in_plural_forms(
        signed_in: FlaskClient, roles: list[str], expected: str) -> None:
    notes_read = customer_policy("notes-read")
    for role_name in roles:
        create(signed_in, [notes_read], role_name=role_name)
    post(signed_in, "/iam/policies/delete", arn=notes_read)
    assert banners(signed_in.get("/iam/policies").text) == [
        f"Detached the policy notes-read {expected}"]


def test_korean_has_one_form_for_every_count(signed_in: FlaskClient) -> None:
    notes_read = customer_policy("notes-read")
    for role_name in ("a-role", "b-role"):
        create(signed_in, [notes_read], role_name=role_name)
    korean = {"Accept-Language": "ko"}
    confirm = text(signed_in.get("/iam/roles/a-role/delete", headers=korean).text)
    assert "관리형 정책 1개가 분리됩니다: notes-read" in confirm
    signed_in.post("/iam/policies/delete", headers=korean, data={
        "arn": notes_read, "csrf_token": csrf_token(signed_in, "/iam/policies")})
    [shown] = banners(signed_in.get("/iam/policies", headers=korean).text)
    assert shown.startswith("정책 notes-read") and shown.endswith("역할 2개에서 분리한 다음 삭제했습니다.")


def test_the_korean_catalogue_has_the_plural_entries() -> None:
    with open(PROJECT_ROOT / "webapp/translations/ko/LC_MESSAGES/messages.po", "rb") as po:
        catalogue = read_po(po, locale="ko")
    for singular in ("%(num)d role", "%(num)d user", "%(num)d group",
                     "%(num)d managed policy will be detached:",
                     "%(num)d inline policy will be deleted:",
                     "Detached %(num)d managed policy first: %(policies)s.",
                     "Created the role %(role_name)s and attached %(num)d policy: %(policies)s."):
        entry = catalogue.get(singular)
        assert entry is not None and entry.pluralizable, singular
        assert all(entry.string), singular


def test_a_role_delete_refused_after_its_policies_came_off_says_which_came_off(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    create(signed_in, [BASIC])
    post(signed_in, "/iam/roles/notes-fn-role/inline/new", policy_name="notes",
         document=READ_NOTES)
    real_client = iam_roles.client

    class RefusesDeleteRole:
        def __init__(self, service: str) -> None:
            self.wrapped = real_client(service)

        def __getattr__(self, name: str) -> object:
            return getattr(self.wrapped, name)

        def delete_role(self, **_: object) -> None:
            raise ClientError({"Error": {"Code": "AccessDenied",
                                         "Message": "not authorized to perform: iam:DeleteRole"}},
                              "DeleteRole")

    monkeypatch.setattr(iam_roles, "client", RefusesDeleteRole)
    reply = post(signed_in, "/iam/roles/notes-fn-role/delete", confirm_name="notes-fn-role")
    assert reply.status_code == 422
    assert "notes-fn-role" in role_names() and attached() == set()
    shown = text(reply.text)
    assert ("The role notes-fn-role is not deleted, but these of its policies are already "
            "detached or deleted: AWSLambdaBasicExecutionRole, notes.") in shown
    assert "DeleteRole" in shown.split("detached or deleted:")[1]


def test_the_reviews_answer_cannot_drop_the_notice_of_the_create_beside_it(
        signed_in: FlaskClient) -> None:
    # The review goes out when the name field is left, so it can still be on its way back when
    # the Create the person clicked next has answered: had its answer written the session cookie
    # as the review left with it, the role page would have lost the create's notice.
    fragment = {"HX-Request": "true"}
    review = create(signed_in, [BASIC], headers=fragment, step="review")
    assert review.status_code == 200 and 'id="role-review"' in review.text
    assert "Set-Cookie" not in review.headers
    made = create(signed_in, [BASIC], headers=fragment)
    assert "Set-Cookie" in made.headers  # its notice is in the session the cookie carries
    assert banners(signed_in.get("/iam/roles/notes-fn-role").text) == [
        "Created the role notes-fn-role and attached 1 policy: AWSLambdaBasicExecutionRole."]
