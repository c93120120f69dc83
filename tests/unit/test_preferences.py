"""Region and language: chosen in the header, kept for the session."""
from __future__ import annotations

from http import HTTPStatus

from flask import Flask
from flask.testing import FlaskClient

from webapp.aws.regions import list_regions

from tests.helpers import csrf_token


def test_region_list_has_awss_regions_with_names(signed_in: FlaskClient) -> None:
    codes = {region.code for region in list_regions()}
    assert {"ap-northeast-2", "us-east-1", "eu-west-1"} <= codes
    page = signed_in.get("/").text
    assert "ap-northeast-2 · Asia Pacific (Seoul)" in page


def test_region_choice_is_kept_for_the_session(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/preferences/region", data={
        "region": "eu-west-1", "next": "/iam/", "csrf_token": csrf_token(signed_in, "/")})
    assert reply.status_code == HTTPStatus.SEE_OTHER and reply.headers["Location"] == "/iam/"
    assert "<code>eu-west-1</code>" in signed_in.get("/").text
    assert "<code>eu-west-1</code>" in signed_in.get("/").text


def test_unknown_region_is_refused_with_a_message(signed_in: FlaskClient) -> None:
    signed_in.post("/preferences/region", data={
        "region": "mars-north-1", "csrf_token": csrf_token(signed_in, "/")})
    page = signed_in.get("/").text
    assert "mars-north-1 is not an AWS region." in page
    assert "<code>ap-northeast-2</code>" in page


def test_browser_language_is_the_default(app: Flask, signed_in: FlaskClient) -> None:
    page = signed_in.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}).text
    assert '<html lang="ko">' in page
    assert "대시보드" in page
    assert '<html lang="en">' in signed_in.get("/", headers={"Accept-Language": "fr"}).text


def test_language_choice_overrides_the_browser_for_the_session(signed_in: FlaskClient) -> None:
    signed_in.post("/preferences/language", data={"language": "ko",
                                                  "csrf_token": csrf_token(signed_in, "/")})
    page = signed_in.get("/", headers={"Accept-Language": "en-US"}).text
    assert '<html lang="ko">' in page and "대시보드" in page
    signed_in.post("/preferences/language", data={"language": "en",
                                                  "csrf_token": csrf_token(signed_in, "/")})
    assert "Dashboard" in signed_in.get("/", headers={"Accept-Language": "ko"}).text


def test_language_can_be_chosen_before_signing_in(client: FlaskClient) -> None:
    client.post("/preferences/language", data={"language": "ko", "csrf_token": csrf_token(client)})
    assert '<html lang="ko">' in client.get("/login").text


def test_aws_names_stay_as_aws_writes_them(signed_in: FlaskClient) -> None:
    signed_in.post("/preferences/language", data={"language": "ko",
                                                  "csrf_token": csrf_token(signed_in, "/")})
    page = signed_in.get("/").text
    for name in ("DynamoDB", "Lambda", "API Gateway", "CloudWatch Logs", "IAM"):
        assert name in page


def test_a_background_fetch_cannot_undo_a_language_just_chosen(signed_in: FlaskClient) -> None:
    # The dashboard's map loads by htmx after the page; a language chosen while it loads is kept
    # because that fetch's answer does not write the session cookie (as it stood when it left).
    background = {"HX-Request": "true"}
    assert "Set-Cookie" in signed_in.get("/").headers  # a page a person opens keeps it alive
    assert "Set-Cookie" not in signed_in.get("/map/mini", headers=background).headers
    signed_in.post("/preferences/language", data={"language": "ko",
                                                  "csrf_token": csrf_token(signed_in, "/")})
    assert "Set-Cookie" not in signed_in.get("/map/mini", headers=background).headers
    assert '<html lang="ko">' in signed_in.get("/").text


def test_a_file_the_page_loads_cannot_undo_a_language_just_chosen(signed_in: FlaskClient) -> None:
    # The browser asks for the page's icon after the page has loaded, with the cookie as it was
    # then; a language chosen before that answer comes back stays chosen only because a static
    # file's answer never writes the session cookie (seen in CI: the choice was lost under load).
    assert "Set-Cookie" in signed_in.get("/").headers
    icon = signed_in.get("/static/favicon.svg")
    assert icon.status_code == HTTPStatus.OK and "Set-Cookie" not in icon.headers
    signed_in.post("/preferences/language", data={"language": "ko",
                                                  "csrf_token": csrf_token(signed_in, "/")})
    assert "Set-Cookie" not in signed_in.get("/static/css/console.css").headers
    assert '<html lang="ko">' in signed_in.get("/").text
