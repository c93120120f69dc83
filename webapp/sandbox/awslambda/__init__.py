"""Lambda's execution side in the sandbox: `lambda:Invoke` runs deployed Python and Node.js code.

Python handlers run in worker processes running awslambdaric (AWS's runtime interface client,
through runtime_bootstrap.py, which names the code at /var/task as AWS does), Node.js handlers
under node_runtime/bootstrap.mjs, each against a Runtime API served per worker by the sandbox;
see worker.py for the process, pool.py for warm reuse and concurrency, logs.py and metrics.py
for what CloudWatch sees.

For the console (beside AWS's own API):
* GET /_sandbox/lambda/functions/<name>[?region=…&qualifier=…] → JSON with Runtime,
  EffectiveRuntime ("Python 3.11.7"), Supported, Message (why not, if not), WarmWorkers, InFlight.
* Invoke answers carry X-Sandbox-Effective-Runtime.
* `effective_runtime(runtime)` says the same in-process.
* A handler's own requests to the sandbox must be signed with the role session Lambda gave it:
  made-up keys, which are the administrator for everyone else, are refused (caller_guard.py).

Where moto falls short of AWS's Lambda API: GetFunction's Code.Location is served by the sandbox
(code_download.py), ListFunctions / ListVersionsByFunction honour MaxItems and Marker
(paging.py), CreateFunction / UpdateFunctionCode refuse packages over AWS's size quotas
(package_limits.py), and every answer carrying a function's configuration states it as AWS
does: LastModified and RevisionId move on updates, LoggingConfig, no empty members
(configuration.py); GetAccountSettings, which moto lacks, is answered (account_settings.py).
Requests breaking the service model's constraints get AWS's ValidationException before anything
runs (validation.py), environment variables are held to Lambda's pattern, reserved keys and
4 KB (environment_checks.py), and a function's role must exist and trust Lambda
(execution_role.py).
"""
import threading
from pathlib import Path

from webapp.sandbox.awslambda import (account_settings, code_download, configuration,
                                      cross_region, execution_role, package_limits, paging,
                                      responses, validation)
from webapp.sandbox.awslambda.caller_guard import WorkerCallerGuard
from webapp.sandbox.awslambda.runtimes import effective_runtime
from webapp.sandbox.awslambda.service import DEFAULT_IDLE_SECONDS, LambdaService
from webapp.sandbox.dispatch import Dispatcher

__all__ = ["DEFAULT_IDLE_SECONDS", "effective_runtime", "register", "shutdown"]

_lock = threading.Lock()
_services: list[LambdaService] = []


def register(dispatcher: Dispatcher, region: str,
             idle_seconds: float = DEFAULT_IDLE_SECONDS,
             node_modules: Path | None = None) -> LambdaService:
    """Let `dispatcher` answer lambda:Invoke by running code; stop it all with `shutdown()`.
    Node.js handlers get the SDK for JavaScript in `node_modules`, if given and installed."""
    service = LambdaService(idle_seconds, node_modules)
    dispatcher.guard(WorkerCallerGuard(service))
    validation.register(dispatcher)
    execution_role.register(dispatcher)
    cross_region.register(dispatcher)
    responses.register(dispatcher, service, region)
    configuration.install()
    code_download.register(dispatcher)
    package_limits.register(dispatcher)
    paging.register(dispatcher)
    account_settings.register(dispatcher)
    with _lock:
        _services.append(service)
    return service


def shutdown() -> None:
    """Stop every worker of every registered service (the sandbox is stopping)."""
    with _lock:
        services = list(_services)
        _services.clear()
    for service in services:
        service.shutdown()
