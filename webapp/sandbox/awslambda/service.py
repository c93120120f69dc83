"""lambda:Invoke, run for real: pick or start a worker, run the call, log it, count it.

Synchronous calls wait for their result; Event calls are queued to background threads and wait
for concurrency instead of being throttled (AWS queues them too; its two retries of a failed
event are not reproduced); DryRun checks the function and returns.
"""
import enum
import json
import logging
import secrets
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

from webapp.sandbox.awslambda import metrics
from webapp.sandbox.awslambda.exceptions import (InvalidRuntimeException,
                                                 RequestTooLargeException,
                                                 TooManyRequestsException)
from webapp.sandbox.awslambda.filesystem import RuntimeFiles
from webapp.sandbox.awslambda.functions import FoundFunction, FunctionVersion, find_function
from webapp.sandbox.awslambda.isolation import isolation
from webapp.sandbox.awslambda.logs import (LogWriter, end_millis, exit_message,
                                           invocation_events, tail, timeout_message)
from webapp.sandbox.awslambda.output import LogEvent
from webapp.sandbox.awslambda.pool import Concurrency, WorkerPool, function_key
from webapp.sandbox.awslambda.recursion import lineage, within_chain
from webapp.sandbox.awslambda.runtimes import effective_runtime, is_supported, unsupported_message
from webapp.sandbox.awslambda.worker import Invocation, Outcome, RunResult, Worker, WorkerGone

logger = logging.getLogger(__name__)

# Lambda's payload limits (AWS_FACTS §3): 6 MB synchronous, 256 KB asynchronous requests.
MAX_SYNC_REQUEST_BYTES = 6 * 1024 * 1024
MAX_ASYNC_REQUEST_BYTES = 256 * 1024
# The figure AWS's own error message quotes for responses.
MAX_RESPONSE_BYTES = 6_291_556
DEFAULT_IDLE_SECONDS = 300.0
# Event invocations run on these threads; more queue until one is free.
EVENT_THREADS = 32
# How long a queued event waits for concurrency before it is dropped (AWS keeps trying for up
# to six hours; a sandbox session is shorter).
EVENT_QUEUE_SECONDS = 60
UNHANDLED = "Unhandled"


class InvocationType(enum.StrEnum):
    """X-Amz-Invocation-Type."""

    REQUEST_RESPONSE = "RequestResponse"
    EVENT = "Event"
    DRY_RUN = "DryRun"


@dataclass(frozen=True, slots=True)
class InvokeRequest:
    """One Invoke call, parsed."""

    found: FoundFunction
    invocation_type: InvocationType
    tail_log: bool
    payload: bytes
    client_context: str | None
    invoked_function_arn: str
    endpoint_url: str
    # How many invocations led to this one (recursion.py); 0 for a call made from outside.
    chain: int = 0


@dataclass(frozen=True, slots=True)
class InvokeResult:
    """What Invoke answers."""

    status: HTTPStatus
    request_id: str
    payload: bytes = b""
    executed_version: str | None = None
    function_error: str | None = None
    log_result: str | None = None


@dataclass(frozen=True, slots=True)
class FunctionStatus:
    """Sandbox-only facts about a function for the console: what really runs it."""

    function_name: str
    version: str
    runtime: str | None
    supported: bool
    effective_runtime: str | None
    message: str | None
    warm_workers: tuple[int, ...]
    in_flight: int

    def to_json(self) -> dict[str, Any]:
        """The JSON body of GET /_sandbox/lambda/functions/<name>."""
        return {"FunctionName": self.function_name, "Version": self.version,
                "Runtime": self.runtime, "Supported": self.supported,
                "EffectiveRuntime": self.effective_runtime, "Message": self.message,
                "WarmWorkers": list(self.warm_workers), "InFlight": self.in_flight}


class LambdaService:
    """The sandbox's Lambda runtime: workers, concurrency, logs and metrics."""

    def __init__(self, idle_seconds: float = DEFAULT_IDLE_SECONDS,
                 node_modules: Path | None = None) -> None:
        # Whether handlers can run in bwrap is tried now, so a warning shows as the sandbox starts.
        isolation()
        self._idle_seconds = idle_seconds
        self._node_modules = node_modules
        self._concurrency = Concurrency()
        self._logs = LogWriter()
        self._lock = threading.Lock()
        self._files: RuntimeFiles | None = None
        self._pool: WorkerPool | None = None
        self._events: ThreadPoolExecutor | None = None
        self._stopped = False

    def invoke(self, request: InvokeRequest) -> InvokeResult:
        """Run (or queue, or only check) one invocation."""
        function = request.found.function
        _check_runnable(function)
        _check_size(request)
        request_id = str(uuid.uuid4())
        if request.invocation_type is InvocationType.DRY_RUN:
            return InvokeResult(HTTPStatus.NO_CONTENT, request_id)
        if request.invocation_type is InvocationType.EVENT:
            self._event_threads().submit(self._run_event, request, request_id)
            return InvokeResult(HTTPStatus.ACCEPTED, request_id)
        return self._run_sync(request, request_id)

    def status(self, account_id: str, region: str, name: str,
               qualifier: str | None) -> FunctionStatus | None:
        """What the console may show about a function's execution here, or None if unknown."""
        found = find_function(account_id, region, name, qualifier)
        if found is None:
            return None
        function = found.function
        supported = is_supported(function.runtime) and function.package_type == "Zip"
        pool = self._pool
        return FunctionStatus(
            function_name=function.function_name, version=function.version,
            runtime=function.runtime, supported=supported,
            effective_runtime=effective_runtime(function.runtime) if supported else None,
            message=None if supported else unsupported_message(function.runtime),
            warm_workers=tuple(pool.warm_workers(function)) if pool else (),
            in_flight=self._concurrency.in_flight(function_key(function)))

    def workers(self) -> list[Worker]:
        """Every running worker."""
        pool = self._pool
        return pool.workers() if pool is not None else []

    def retire(self, account_id: str, region: str, function_name: str) -> None:
        """The function was deleted: stop its workers and drop its code (see WorkerPool)."""
        pool = self._pool
        if pool is not None:
            pool.retire(account_id, region, function_name)

    def stop_workers(self) -> None:
        """Stop every worker now, and drop queued Event invocations; return once the running
        ones have ended (with their logs written). Later invocations start new workers."""
        with self._lock:
            pool, events = self._pool, self._events
            self._events = None
        if events is not None:
            events.shutdown(wait=False, cancel_futures=True)
        if pool is not None:
            pool.stop_workers()
        if events is not None:
            events.shutdown(wait=True)

    def shutdown(self) -> None:
        """Stop every worker and remove the runtime's files."""
        with self._lock:
            self._stopped = True
            pool, files, events = self._pool, self._files, self._events
        if events is not None:
            events.shutdown(wait=False, cancel_futures=True)
        if pool is not None:
            pool.shutdown()
        if files is not None:
            files.remove()

    def _run_sync(self, request: InvokeRequest, request_id: str) -> InvokeResult:
        function = request.found.function
        key = function_key(function)
        reason = self._concurrency.try_acquire(key, request.found.reserved_concurrency)
        if reason is not None:
            metrics.record_throttle(function)
            raise TooManyRequestsException(reason)
        try:
            result, events = self._run(request, request_id)
        finally:
            self._concurrency.release(key)
        payload, function_error = _answer(function, request_id, result)
        return InvokeResult(HTTPStatus.OK, request_id, payload,
                            executed_version=function.version, function_error=function_error,
                            log_result=tail(events) if request.tail_log else None)

    def _run_event(self, request: InvokeRequest, request_id: str) -> None:
        function = request.found.function
        key = function_key(function)
        if not self._concurrency.acquire(key, request.found.reserved_concurrency,
                                         EVENT_QUEUE_SECONDS):
            metrics.record_throttle(function)
            logger.warning("event %s for %s dropped: no concurrency for %d s", request_id,
                           function.function_name, EVENT_QUEUE_SECONDS)
            return
        try:
            if not self._stopped:
                self._run(request, request_id)
        except Exception:
            logger.exception("asynchronous invocation %s failed in the sandbox", request_id)
        finally:
            self._concurrency.release(key)

    def _run(self, request: InvokeRequest,
             request_id: str) -> tuple[RunResult, list[LogEvent]]:
        """Run on a warm or new worker; write the log and metrics; return result and log."""
        function = request.found.function
        invocation = Invocation(request_id=request_id, payload=request.payload or b"{}",
                                invoked_function_arn=request.invoked_function_arn,
                                trace_id=_trace_id(function.function_arn, request.chain),
                                client_context=request.client_context)
        pool = self._worker_pool()
        worker = pool.checkout(function, request.endpoint_url)
        try:
            try:
                result = worker.run(invocation)
            except WorkerGone:
                # The warm worker exited while idle, just before this call: take a new one.
                pool.checkin(worker)
                worker = pool.checkout(function, request.endpoint_url)
                result = worker.run(invocation)
            events = invocation_events(function, request_id, result)
            # Written before the worker is lent again, so its stream stays in order; the
            # subscriptions it triggers are the next link of this invocation's chain.
            with within_chain(request.chain):
                self._logs.write(function, worker.log_stream_name, events)
        finally:
            pool.checkin(worker)
        metrics.record_invocation(function, result.duration_ms,
                                  failed=result.outcome is not Outcome.RESPONSE)
        return result, events

    def _worker_pool(self) -> WorkerPool:
        # Started on first use: a sandbox nobody invokes a function on makes no files or threads.
        with self._lock:
            if self._pool is None:
                self._files = RuntimeFiles(self._node_modules)
                self._pool = WorkerPool(self._files, self._idle_seconds)
            return self._pool

    def _event_threads(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._events is None:
                self._events = ThreadPoolExecutor(max_workers=EVENT_THREADS,
                                                  thread_name_prefix="lambda-event")
            return self._events


def _check_runnable(function: FunctionVersion) -> None:
    if function.package_type != "Zip":
        raise InvalidRuntimeException(unsupported_message(None))
    if not is_supported(function.runtime):
        raise InvalidRuntimeException(unsupported_message(function.runtime))


def _check_size(request: InvokeRequest) -> None:
    limit = (MAX_ASYNC_REQUEST_BYTES if request.invocation_type is InvocationType.EVENT
             else MAX_SYNC_REQUEST_BYTES)
    if len(request.payload) > limit:
        operation = "InvokeAsync" if request.invocation_type is InvocationType.EVENT else "Invoke"
        raise RequestTooLargeException(
            f"Request must be smaller than {limit} bytes for the {operation} operation")


def _answer(function: FunctionVersion, request_id: str,
            result: RunResult) -> tuple[bytes, str | None]:
    """The payload and X-Amz-Function-Error for how the invocation ended."""
    match result.outcome:
        case Outcome.RESPONSE if len(result.payload) <= MAX_RESPONSE_BYTES:
            return result.payload, None
        case Outcome.RESPONSE:
            return _error_payload(
                "Function.ResponseSizeTooLarge",
                f"Response payload size exceeded maximum allowed payload size "
                f"({MAX_RESPONSE_BYTES} bytes)."), UNHANDLED
        case Outcome.FUNCTION_ERROR | Outcome.INIT_ERROR:
            return result.payload, UNHANDLED
        case Outcome.TIMEOUT:
            message = timeout_message(request_id, function.timeout, end_millis(result))
            return json.dumps({"errorMessage": message}).encode(), UNHANDLED
        case _:
            return _error_payload("Runtime.ExitError",
                                  exit_message(request_id, result.exit_reason or "")), UNHANDLED


def _error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def _trace_id(function_arn: str, chain: int) -> str:
    """An X-Ray trace header as Lambda hands one to each invocation (never sampled here), with
    the Lineage of its chain once it has one."""
    header = (f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};"
              f"Parent={secrets.token_hex(8)};Sampled=0")
    return f"{header};{lineage(function_arn, chain)}" if chain else header
