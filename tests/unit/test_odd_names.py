"""A function, role or inline policy name AWS would refuse, in a URL: the console's 404, not a 502."""
from __future__ import annotations

import html
import re
from http import HTTPStatus
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from tests.helpers import PASSWORD, csrf_token

ODD_NAMES = ["a" * 65, "has space", "nul\x00byte", "..", "x" * 3000,
             "arn:aws:lambda:us-east-1:123456789012:function:elsewhere"]
FUNCTION_ROUTES = ["", "/state", "/code", "/code.zip", "/configuration", "/integrations",
                   "/last-update", "/policy", "/versions", "/metrics", "/events/load"]
FUNCTION_POSTS = ["/invoke", "/events", "/events/delete", "/grant", "/code", "/configuration",
                  "/versions"]
ROLE_ROUTES = ["", "/delete", "/inline/new", "/inline/fine-policy"]


def message(page: str) -> str:
    """The error page's message, unescaped."""
    match = re.search(r'class="banner banner-error" role="alert">(.*?)</div>', page, re.DOTALL)
    assert match, "no message on the page"
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


@pytest.mark.parametrize("name", ODD_NAMES)
def test_every_function_route_answers_404_for_a_name_lambda_refuses(
        signed_in: FlaskClient, name: str) -> None:
    token = csrf_token(signed_in, "/functions/new")
    for route in FUNCTION_ROUTES:
        reply = signed_in.get(f"/functions/{quote(name, safe='')}{route}")
        assert reply.status_code == HTTPStatus.NOT_FOUND, route
        assert "No function named" in message(reply.text), route
    for route in FUNCTION_POSTS:
        reply = signed_in.post(f"/functions/{quote(name, safe='')}{route}",
                               data={"csrf_token": token})
        assert reply.status_code == HTTPStatus.NOT_FOUND, route


def test_the_404_names_the_function_readably_and_says_what_a_name_is(
        signed_in: FlaskClient) -> None:
    shown = message(signed_in.get("/functions/nul%00byte").text)
    assert "No function named nul\N{REPLACEMENT CHARACTER}byte: a function name has 1 to 64 " \
           "letters, digits, hyphens (-) or underscores (_)." in " ".join(shown.split())
    long_name = message(signed_in.get(f"/functions/{'x' * 3000}").text)
    assert "x" * 80 + "…" in long_name and "x" * 81 not in long_name


@pytest.mark.parametrize("name", ["r" * 65, "nul\x00byte", "has space", "..."])
def test_every_role_route_answers_404_for_a_name_iam_refuses(signed_in: FlaskClient,
                                                             name: str) -> None:
    if name == "...":  # a role name IAM accepts; only the inline policy's is refused
        reply = signed_in.get(f"/iam/roles/fine-role/inline/{'p' * 129}")
        assert reply.status_code == HTTPStatus.NOT_FOUND
        assert "No inline policy named" in message(reply.text)
        return
    for route in ROLE_ROUTES:
        reply = signed_in.get(f"/iam/roles/{quote(name, safe='')}{route}")
        assert reply.status_code == HTTPStatus.NOT_FOUND, route
        assert "No role named" in message(reply.text), route


def test_a_visitor_not_signed_in_is_still_sent_to_sign_in(client: FlaskClient) -> None:
    reply = client.get("/functions/has%20space")
    assert reply.status_code in (HTTPStatus.FOUND, HTTPStatus.SEE_OTHER)
    assert "/login" in reply.headers["Location"]


def test_a_well_formed_name_that_does_not_exist_is_still_awss_not_found(
        signed_in: FlaskClient) -> None:
    reply = signed_in.get("/functions/no-such-function")
    assert reply.status_code == HTTPStatus.NOT_FOUND
    assert "No function named" not in reply.text
