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
import math
import threading
import time
from http import HTTPStatus

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


class WorkerSockets:
    """Which sockets the workers' processes hold, from one look at /proc that requests arriving
    together share.

    A look taken after a request arrived sees the worker holding its connection, if a worker
    does (it holds it from connect() to close()), so a request may use any look that began after
    it arrived; a burst of new connections costs one or two looks, not one each. The sandbox's
    server closes every connection after one request, so there is nothing to keep per
    connection.
    """

    def __init__(self, service: LambdaService) -> None:
        self._service = service
        self._lock = threading.Lock()
        self._taken_at = -math.inf
        self._held: dict[int, Worker] = {}

    def holder(self, inode: int, arrived_at: float) -> Worker | None:
        """The worker holding the socket `inode`, or None; `arrived_at` is when the request
        on it arrived (time.monotonic)."""
        with self._lock:
            if self._taken_at < arrived_at:
                self._taken_at = time.monotonic()
                self._held = {held: worker for worker in self._service.workers()
                              for held in worker.socket_inodes()}
            return self._held.get(inode)


class WorkerCallerGuard:
    """A dispatcher guard: refuses a worker's requests not signed with a minted role session."""

    def __init__(self, service: LambdaService) -> None:
        self._service = service
        self._sockets = WorkerSockets(service)

    def __call__(self, request: Request) -> Response | None:
        arrived_at = time.monotonic()
        if request.environ.get(STAGE_ONLY) or not peer_process.can_tell():
            return None
        access_key_id = signing_key_id(request)
        if access_key_id is not None and is_minted(access_key_id):
            return None  # a role session: the authorization guard holds it to its role
        if not self._service.workers() or not self._from_a_worker(request, arrived_at):
            return None
        scope = credential_scope(request)
        if scope is None:
            return Response(json.dumps({"message": REFUSAL}), status=HTTPStatus.FORBIDDEN,
                            mimetype="application/json")
        return access_denied(request, scope.service, REFUSAL)

    def _from_a_worker(self, request: Request, arrived_at: float) -> bool:
        """Whether a worker holds the request's connection, or none can be seen to: a caller
        who closed its end before the answer (its socket orphaned, inode 0, or gone) cannot
        be told apart, and only a caller who does not want the answer does that."""
        connection = request.environ.get(SOCKET_KEY)
        try:
            peer = (request.environ["REMOTE_ADDR"], int(request.environ["REMOTE_PORT"]))
            local = connection.getsockname()[:2]
        except (AttributeError, KeyError, ValueError, OSError):
            return True
        inode = peer_process.socket_inode(peer, local)
        return not inode or self._sockets.holder(inode, arrived_at) is not None
