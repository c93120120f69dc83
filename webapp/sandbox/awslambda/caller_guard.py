"""Requests from a function's own code carry its execution role's rights, and no more.

Any other access key is the account's administrator in the sandbox (it has no accounts to check
keys against), and workers share the machine's network, so a handler that made up a key could
list, read and change everything: other functions' code, IAM, the state endpoint. The worker
tells its requests apart by the socket they come from: the guard asks the kernel which process
holds the connection's other end (peer_process.py), once per connection, and a connection held
by a worker may only carry requests signed with keys the sandbox minted for a role session (the
worker's own, or one it got from the sandbox as Lambda would). Everything else from it, the
sandbox's own `/_sandbox/` routes included, is AccessDenied; a deployed stage stays open, as
API Gateway is to a function on AWS.
"""
import json
import weakref
from http import HTTPStatus
from typing import Any

from werkzeug.wrappers import Request, Response

from webapp.sandbox.authz import access_denied, is_minted, signing_key_id
from webapp.sandbox.awslambda import peer_process
from webapp.sandbox.awslambda.service import LambdaService
from webapp.sandbox.awslambda.worker import Worker
from webapp.sandbox.dispatch import STAGE_ONLY, credential_scope

SOCKET_KEY = "werkzeug.socket"
REFUSAL = ("Requests from a Lambda function's code must be signed with its execution role's "
           "credentials (the AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN "
           "Lambda sets); other keys would be the sandbox's administrator")


class WorkerCallerGuard:
    """A dispatcher guard: refuses a worker's requests not signed with a minted role session."""

    def __init__(self, service: LambdaService) -> None:
        self._service = service
        # Per connection (the server's socket object): the worker at its other end, or None.
        self._callers: weakref.WeakKeyDictionary[Any, Worker | None] = (
            weakref.WeakKeyDictionary())

    def __call__(self, request: Request) -> Response | None:
        if request.environ.get(STAGE_ONLY) or not peer_process.can_tell():
            return None
        if self._worker_of(request) is None:
            return None
        access_key_id = signing_key_id(request)
        if access_key_id is not None and is_minted(access_key_id):
            return None
        scope = credential_scope(request)
        if scope is None:
            return Response(json.dumps({"message": REFUSAL}), status=HTTPStatus.FORBIDDEN,
                            mimetype="application/json")
        return access_denied(request, scope.service, REFUSAL)

    def _worker_of(self, request: Request) -> Worker | None:
        connection = request.environ.get(SOCKET_KEY)
        if connection is None:
            return None
        try:
            return self._callers[connection]
        except KeyError:
            pass
        worker = self._find(request, connection)
        self._callers[connection] = worker
        return worker

    def _find(self, request: Request, connection: Any) -> Worker | None:
        try:
            peer = (request.environ["REMOTE_ADDR"], int(request.environ["REMOTE_PORT"]))
            local = connection.getsockname()[:2]
        except (KeyError, ValueError, OSError):
            return None
        inode = peer_process.socket_inode(peer, local)
        return self._service.worker_holding(inode) if inode is not None else None
