"""Workers kept warm per function version, concurrency accounting, and the idle reaper.

A version's idle workers are reused newest first, so a burst leaves the extra workers idle
longest and the reaper stops them first. At most MAX_IDLE_WORKERS stay warm across all
functions: past that, the one idle longest is stopped as another comes back. When a function's
code or configuration changes, the workers of the old version are stopped (busy ones as soon as
they finish): the next call is a cold start on the new version, as on AWS.
"""
import logging
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zipfile import BadZipFile

from webapp.sandbox.awslambda import roles
from webapp.sandbox.awslambda.exceptions import (InvalidParameterValueException,
                                                 InvalidZipFileException)
from webapp.sandbox.awslambda.filesystem import RuntimeFiles
from webapp.sandbox.awslambda.functions import FunctionVersion
from webapp.sandbox.awslambda.worker import Worker

logger = logging.getLogger(__name__)

# AWS's default concurrency quota per account and region.
ACCOUNT_CONCURRENCY = 1000
# A warm worker whose role keys expire sooner than this is replaced instead of reused.
CREDENTIALS_MARGIN = timedelta(minutes=5)
# How many workers stay warm while idle, across all functions. AWS reclaims idle execution
# environments when it likes; here each holds a runtime process of tens of MB, and every request
# from a port a worker might hold is checked against each live worker's processes
# (caller_guard.py), so a learner's laptop keeps the most recently used few.
MAX_IDLE_WORKERS = 8
# The reaper looks for idle workers this often at most (more often for short idle timeouts).
REAP_INTERVAL_SECONDS = 10.0

# (account, region, function name): what reserved concurrency is counted against.
FunctionKey = tuple[str, str, str]
# (account, region, function name, version label): the slot a version's workers fill.
VersionSlot = tuple[str, str, str, str]


def function_key(function: FunctionVersion) -> FunctionKey:
    """The key concurrency is counted under."""
    return (function.account_id, function.region, function.function_name)


def _slot(function: FunctionVersion) -> VersionSlot:
    return (function.account_id, function.region, function.function_name, function.version)


class Concurrency:
    """Invocations in flight, per function and per account, against their limits."""

    def __init__(self, account_limit: int = ACCOUNT_CONCURRENCY) -> None:
        self._account_limit = account_limit
        self._lock = threading.Condition()
        self._per_function: dict[FunctionKey, int] = defaultdict(int)
        self._per_account: dict[tuple[str, str], int] = defaultdict(int)

    def try_acquire(self, key: FunctionKey, reserved: int | None) -> str | None:
        """Take a slot, or return the throttle Reason AWS would give."""
        with self._lock:
            reason = self._refusal(key, reserved)
            if reason is None:
                self._take(key)
            return reason

    def acquire(self, key: FunctionKey, reserved: int | None, timeout: float) -> bool:
        """Take a slot, waiting up to `timeout` for one (queued asynchronous invocations)."""
        with self._lock:
            if not self._lock.wait_for(lambda: self._refusal(key, reserved) is None, timeout):
                return False
            self._take(key)
            return True

    def release(self, key: FunctionKey) -> None:
        """Give back a slot taken for `key`."""
        with self._lock:
            self._per_function[key] -= 1
            self._per_account[key[:2]] -= 1
            self._lock.notify_all()

    def in_flight(self, key: FunctionKey) -> int:
        """Invocations of this function running now."""
        with self._lock:
            return self._per_function[key]

    def _refusal(self, key: FunctionKey, reserved: int | None) -> str | None:
        if reserved is not None and self._per_function[key] >= reserved:
            return "ReservedFunctionConcurrentInvocationLimitExceeded"
        if self._per_account[key[:2]] >= self._account_limit:
            return "ConcurrentInvocationLimitExceeded"
        return None

    def _take(self, key: FunctionKey) -> None:
        self._per_function[key] += 1
        self._per_account[key[:2]] += 1


class WorkerPool:
    """Every worker of the sandbox: warm ones by version, busy ones, retired versions."""

    def __init__(self, files: RuntimeFiles, idle_seconds: float) -> None:
        self._files = files
        self._idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._idle: dict[FunctionVersion, list[Worker]] = defaultdict(list)
        self._busy: dict[FunctionVersion, set[Worker]] = defaultdict(set)
        self._current: dict[VersionSlot, FunctionVersion] = {}
        self._stopping = threading.Event()
        self._reaper = threading.Thread(target=self._reap_until_stopped, daemon=True,
                                        name="lambda-idle-reaper")
        self._reaper.start()

    def checkout(self, function: FunctionVersion, endpoint_url: str) -> Worker:
        """A warm worker of exactly this version, else a new one (a cold start)."""
        self._stop_all(self._make_current(function))
        stale: list[Worker] = []
        with self._lock:
            idle = self._idle[function]
            while idle:
                worker = idle.pop()
                if worker.alive and _credentials_fresh(worker):
                    self._busy[function].add(worker)
                    return worker
                stale.append(worker)
        self._stop_all(stale)
        worker = self._start_worker(function, endpoint_url)
        with self._lock:
            self._busy[function].add(worker)
        return worker

    def checkin(self, worker: Worker) -> None:
        """Take a worker back after its invocation: warm again, or stopped if outdated."""
        function = worker.function
        with self._lock:
            busy = self._busy[function]
            busy.discard(worker)
            keep = worker.alive and self._current.get(_slot(function)) == function
            surplus: list[Worker] = []
            if keep:
                self._idle[function].append(worker)
                surplus = self._least_recently_used_past_the_limit()
            elif not busy:
                # Keys hold the code's bytes: an outdated version must not stay referenced.
                del self._busy[function]
        if surplus:
            logger.info("over %d warm Lambda workers: stopping the %d idle longest",
                        MAX_IDLE_WORKERS, len(surplus))
        self._stop_all(surplus)
        if not keep:
            worker.stop()
            self._forget_if_unused(function)

    def warm_workers(self, function: FunctionVersion) -> list[int]:
        """Process ids of the idle workers of this version."""
        with self._lock:
            return [worker.pid for worker in self._idle.get(function, ())
                    if worker.alive and worker.pid is not None]

    def workers(self) -> list[Worker]:
        """Every worker, idle and busy."""
        with self._lock:
            return [worker for group in (*self._idle.values(), *self._busy.values())
                    for worker in group]

    def shutdown(self) -> None:
        """Stop the reaper and every worker, busy ones included."""
        self._stopping.set()
        self.stop_workers()
        self._reaper.join(timeout=REAP_INTERVAL_SECONDS)

    def stop_workers(self) -> None:
        """Stop every worker, busy ones included (their invocations end as crashed)."""
        with self._lock:
            workers = [worker for group in (*self._idle.values(), *self._busy.values())
                       for worker in group]
            self._idle.clear()
            self._busy.clear()
        self._stop_all(workers)

    def retire(self, account_id: str, region: str, function_name: str) -> None:
        """A deleted function: its idle workers stop now, busy ones as their calls end, and its
        unzipped code goes with the last of them."""
        def deleted(version: FunctionVersion) -> bool:
            return (version.account_id, version.region, version.function_name) == (
                account_id, region, function_name)

        with self._lock:
            retired = [self._current.pop(slot) for slot, version in list(self._current.items())
                       if deleted(version)]
            idle = [worker for version in [v for v in self._idle if deleted(v)]
                    for worker in self._idle.pop(version)]
        self._stop_all(idle)
        for version in retired:
            self._forget_if_unused(version)

    def reap_idle(self) -> None:
        """Stop workers idle for longer than the idle timeout, and dead ones."""
        deadline = time.monotonic() - self._idle_seconds
        expired: list[Worker] = []
        with self._lock:
            for function, idle in list(self._idle.items()):
                keep = [worker for worker in idle
                        if worker.alive and worker.last_used > deadline]
                expired += [worker for worker in idle if worker not in keep]
                if keep:
                    self._idle[function] = keep
                else:
                    del self._idle[function]
        if expired:
            logger.info("stopping %d idle Lambda worker(s)", len(expired))
        self._stop_all(expired)

    def _least_recently_used_past_the_limit(self) -> list[Worker]:
        """Take out the idle workers past MAX_IDLE_WORKERS, those idle longest (lock held)."""
        idle = sorted(((function, worker) for function, workers in self._idle.items()
                       for worker in workers), key=lambda pair: pair[1].last_used)
        surplus = idle[:max(len(idle) - MAX_IDLE_WORKERS, 0)]
        for function, worker in surplus:
            self._idle[function].remove(worker)
            if not self._idle[function]:
                del self._idle[function]
        return [worker for _, worker in surplus]

    def _make_current(self, function: FunctionVersion) -> list[Worker]:
        """Record `function` as its slot's version; return idle workers of the one it replaces."""
        slot = _slot(function)
        with self._lock:
            previous = self._current.get(slot)
            if previous == function:
                return []
            self._current[slot] = function
            if previous is None:
                return []
            outdated = self._idle.pop(previous, [])
            if not self._busy.get(previous):
                self._busy.pop(previous, None)
        logger.info("%s:%s changed: its workers are retired", function.function_name,
                    function.version)
        self._forget_if_unused(previous)
        return outdated

    def _forget_if_unused(self, function: FunctionVersion) -> None:
        """Drop an outdated version's code once no worker runs it."""
        with self._lock:
            if self._current.get(_slot(function)) == function:
                return
            in_use = any(version.code_identity == function.code_identity and workers
                         for version, workers in (*self._idle.items(), *self._busy.items()))
            in_use = in_use or any(version.code_identity == function.code_identity
                                   for version in self._current.values())
        if not in_use:
            self._files.discard(function)

    def _start_worker(self, function: FunctionVersion, endpoint_url: str) -> Worker:
        try:
            task_root = self._files.task_root(function)
        except BadZipFile as err:
            raise InvalidZipFileException(
                f"Could not unzip uploaded file. Please check your file, then try to upload "
                f"again. ({err})") from None
        try:
            credentials = roles.role_credentials(function.account_id, function.role_arn,
                                                 function.function_name)
        except roles.RoleNotAssumable:
            raise InvalidParameterValueException(
                "The role defined for the function cannot be assumed by Lambda.") from None
        worker = Worker(function, task_root, self._files.runtime_dir, endpoint_url, credentials)
        worker.start()
        return worker

    def _reap_until_stopped(self) -> None:
        interval = min(REAP_INTERVAL_SECONDS, max(self._idle_seconds / 2, 0.1))
        while not self._stopping.wait(interval):
            self.reap_idle()

    @staticmethod
    def _stop_all(workers: list[Worker]) -> None:
        for worker in workers:
            worker.stop()


def _credentials_fresh(worker: Worker) -> bool:
    return worker.credentials.expiration - datetime.now(UTC) > CREDENTIALS_MARGIN
