"""POST /_sandbox/authz/credentials: mint execution-role keys from outside the sandbox process.

A test and debugging hook, not an AWS API: black-box tests and a developer's shell get the keys a
Lambda function would run with, then call AWS with them (`aws sts get-caller-identity`). Request
`{"role_arn": "...", "session_name": "...", "duration_seconds": 3600}` (duration optional, 12 h
by default); answer 200 with STS's credential names: `{"AccessKeyId", "SecretAccessKey",
"SessionToken", "Expiration"}` (ISO 8601, UTC). Errors: 400 malformed request, 403 a caller that
is not on loopback, 404 no such role; each `{"message": ...}`.

Minting needs no credentials: any caller can already act as the administrator with any key, and
minted keys carry less than that.
"""
import ipaddress
import json
from datetime import timedelta
from http import HTTPStatus
from typing import Any

from werkzeug.wrappers import Request, Response

from webapp.sandbox.authz.sessions import (DEFAULT_SESSION_DURATION, RoleNotFoundError,
                                           mint_session)
from webapp.sandbox.dispatch import Dispatcher

CREDENTIALS_PATH = "/_sandbox/authz/credentials"
# Up to the sessions' default length; down to one second, below STS's 900, so that a test can
# watch keys expire.
MAX_DURATION_SECONDS = int(DEFAULT_SESSION_DURATION.total_seconds())


def register_credentials_route(dispatcher: Dispatcher, account_id: str) -> None:
    """Serve the credentials hook on `dispatcher` for the sandbox's account."""

    @dispatcher.route(CREDENTIALS_PATH, methods=["POST"])
    def mint(request: Request) -> Response:
        if not _is_loopback(request.remote_addr):
            return _answer(HTTPStatus.FORBIDDEN, {"message": "only loopback clients may mint"})
        try:
            role_arn, session_name, duration = _parse(request)
            session = mint_session(account_id, role_arn, session_name, duration=duration)
        except ValueError as err:
            return _answer(HTTPStatus.BAD_REQUEST, {"message": str(err)})
        except RoleNotFoundError as err:
            return _answer(HTTPStatus.NOT_FOUND, {"message": str(err)})
        credentials = session.credentials
        return _answer(HTTPStatus.OK, {
            "AccessKeyId": credentials.access_key_id,
            "SecretAccessKey": credentials.secret_access_key,
            "SessionToken": credentials.session_token,
            "Expiration": credentials.expiration.isoformat(),
        })


def _parse(request: Request) -> tuple[str, str, timedelta]:
    try:
        body = json.loads(request.get_data() or b"")
    except ValueError:
        raise ValueError("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    role_arn = _text(body, "role_arn")
    session_name = _text(body, "session_name")
    seconds = body.get("duration_seconds", MAX_DURATION_SECONDS)
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise ValueError("duration_seconds must be a whole number of seconds")
    if not 1 <= seconds <= MAX_DURATION_SECONDS:
        raise ValueError(f"duration_seconds must be between 1 and {MAX_DURATION_SECONDS}")
    return role_arn, session_name, timedelta(seconds=seconds)


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} is required")
    return value


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _answer(status: HTTPStatus, body: dict[str, str]) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
