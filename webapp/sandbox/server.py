"""The sandbox endpoint: moto's server behind the sandbox dispatcher, on a threaded werkzeug server.

AWS-managed policies: moto's IAM backend is built with every AWS-managed policy it knows (1,582
in moto 5.2.5) because `__main__` sets MOTO_IAM_LOAD_MANAGED_POLICIES before moto is imported.
Measured on a 2-core machine: building that backend takes about 0.14 s and 14 MB of memory
(69 MB -> 83 MB RSS) per account, next to about 0.6 s for importing moto's server; the whole
sandbox answered its health check about 1 s after starting. moto builds one such backend per
partition (six), and since every request looks its access key up in all of them, we build all
six before serving, so a healthy sandbox is a ready one and no first request pays for it; only
the `aws` partition's get the managed policies (iam/managed_policies.py: 0.08 s instead of 0.6 s
for the six), and the sandbox answers its health check about 0.9 s after starting.

Everything is served behind `boundary.Boundary`: only the sandbox's own Host names, no browser
on the control plane, stages on their own origin without the console's cookie.

State lives in moto's in-memory backends, and every change is journaled (persistence/): into
SANDBOX_DATA_DIR, replayed before serving, or with SANDBOX_PERSIST=0 into a temporary file gone
when the process ends (it still serves snapshots).
"""
import json
import logging
import socket
import threading
from http import HTTPStatus
from pathlib import Path

from moto.iam.models import iam_backends
from moto.server import create_backend_app
from moto.utilities.utils import PARTITION_NAMES
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from webapp.sandbox import apigateway, authz
from webapp.sandbox import awslambda, dynamodb, iam, logs
from webapp.sandbox.awslambda.isolation import isolation
from webapp.sandbox.iam import managed_policies
from webapp.sandbox.persistence import StateKeeper, endpoint
from webapp.sandbox.boundary import Boundary, BoundaryPolicy
from webapp.sandbox.config import (ACCOUNT_ID, DEFAULT_LAMBDA_IDLE_SECONDS,
                                   DEFAULT_TABLE_CREATING_SECONDS, SandboxConfig)
from webapp.sandbox.dispatch import Dispatcher
from webapp.sandbox.moto_tuning import MotoServer, remember_method_names

logger = logging.getLogger(__name__)

HEALTH_PATH = "/_sandbox/health"
# IAM is global: moto keys its IAM backends by partition, not region.
IAM_PARTITION = "aws"
# How often the server loop looks for a shutdown request; bounds how long stopping takes.
SHUTDOWN_POLL_SECONDS = 0.1


def create_app(region: str,
               lambda_idle_seconds: float = DEFAULT_LAMBDA_IDLE_SECONDS,
               table_creating_seconds: float = DEFAULT_TABLE_CREATING_SECONDS,
               keeper: StateKeeper | None = None,
               node_modules: Path | None = None) -> Dispatcher:
    """The sandbox as one WSGI app: its own routes and handlers first, moto for everything else.

    With a `keeper`, the journaled state is replayed into it before this returns, and its
    changes are journaled from then on.
    """
    remember_method_names()
    dispatcher = Dispatcher(MotoServer(create_backend_app))
    lambda_service = awslambda.register(dispatcher, region, lambda_idle_seconds, node_modules)
    apigateway.register(dispatcher, lambda_service)
    dynamodb.register(dispatcher, ACCOUNT_ID, table_creating_seconds)
    logs.register(dispatcher, lambda_service)
    iam.register(dispatcher)
    authz.install(dispatcher, ACCOUNT_ID)

    @dispatcher.route(HEALTH_PATH, methods=["GET", "HEAD"])
    def health(_request: Request) -> Response:
        status: dict[str, object] = {"status": "ok", "region": region, "account_id": ACCOUNT_ID,
                                     "isolation": isolation().to_json()}
        if keeper is not None:
            status["state"] = keeper.info()
        return Response(json.dumps(status), status=HTTPStatus.OK, mimetype="application/json")

    if keeper is not None:
        endpoint.register(dispatcher, keeper)
        keeper.attach(dispatcher, stop_workers=lambda_service.stop_workers,
                      after_reset=load_managed_policies)
    return dispatcher


def load_managed_policies() -> int:
    """Build the account's IAM backends now, AWS-managed policies included; return their count.

    moto looks a request's access key up in every partition's IAM backend, so the first request
    would build all of them (and draw random policy ids, which the journal would then have to
    record): they are built here, before anything is served or recorded. Only the served
    partition gets the managed policies (iam/managed_policies.py).
    """
    managed_policies.install()
    for partition in PARTITION_NAMES:
        iam_backends[ACCOUNT_ID][partition]  # noqa: B018 - building it is the point
    count = len(iam_backends[ACCOUNT_ID][IAM_PARTITION].aws_managed_policies)
    if count == 0:
        raise RuntimeError("moto loaded no AWS-managed policies: MOTO_IAM_LOAD_MANAGED_POLICIES "
                           "must be 'true' before moto is imported")
    return count


def serve(listener: socket.socket, config: SandboxConfig, keeper: StateKeeper,
          stop: threading.Event) -> None:
    """Serve on the already bound `listener` until `stop` is set."""
    logger.info("%d AWS-managed policies loaded", load_managed_policies())
    app = create_app(config.region, config.lambda_idle_seconds, config.table_creating_seconds,
                     keeper, config.node_modules)
    for line in startup_lines(keeper):
        print(f"sandbox: {line}", flush=True)
    if stop.is_set():
        listener.close()
        keeper.close()
        return
    policy = BoundaryPolicy(port=listener.getsockname()[1], extra_hosts=config.allowed_hosts,
                            private_cookies=config.private_cookies)
    server = make_server(config.host, config.port, Boundary(app, policy), threaded=True,
                         request_handler=apigateway.RawHeadersRequestHandler, fd=listener.fileno())
    listener.close()  # the server holds its own duplicate of the socket
    thread = threading.Thread(target=server.serve_forever, name="sandbox-http", daemon=True,
                              kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS})
    thread.start()
    print(f"sandbox: listening on {endpoint_url(config.host, server.port)}", flush=True)
    stop.wait()
    server.shutdown()
    awslambda.shutdown()  # Lambda workers are processes of their own: stop them too
    keeper.close()


def startup_lines(keeper: StateKeeper) -> list[str]:
    """What the terminal is told at start about the state brought back: what was restored, and
    what of the journal could not be (a damaged line in the middle, an incomplete last one)."""
    lines = [restored_line(keeper)] if keeper.restored is not None else []
    skipped = keeper.info()["skipped_lines"]
    if skipped:
        lines.append(f"{skipped} damaged line(s) in the middle of the journal could not be read "
                     "and were skipped: the changes they held are not restored")
    dropped = keeper.dropped_tail()
    if dropped is not None:
        lines.append(dropped)
    return lines


def restored_line(keeper: StateKeeper) -> str:
    """One line saying what was brought back from the data directory."""
    report = keeper.restored
    info = keeper.info()
    line = (f"restored {report.changes} change(s) from {info['data_dir']} "
            f"in {report.seconds:.1f} s")
    if report.failed:
        line += f"; {report.failed} could not be replayed (first: {report.first_failure})"
    return line


def endpoint_url(host: str, port: int) -> str:
    """The URL clients pass to boto3 as endpoint_url."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
