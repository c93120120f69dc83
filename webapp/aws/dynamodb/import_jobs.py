"""Imports running in the background, and what each has done so far.

A small pool of daemon threads runs the imports (stopping the console never waits for one);
the progress page reads a job's counts while it runs. A job keeps only the first failures (by
line) and counts the rest, and only a few imports may wait for a worker, so a bad or huge
import cannot fill the memory. Finished jobs are kept for a while so their summary can still
be shown, the oldest dropped first. Jobs know nothing of Flask: the view hands over a callable
already bound to the request's context (the region lives in a context variable).
"""
from __future__ import annotations

import bisect
import contextvars
import logging
import queue
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial

from webapp.aws.dynamodb import item_import
from webapp.aws.errors import N_, Busy, ConsoleError, Unexpected
from webapp.aws.dynamodb.import_rows import Row, RowError, RowSource

logger = logging.getLogger(__name__)

WORKERS = 2
MAX_WAITING = 4  # imports that may wait for a free worker
KEEP_FINISHED = 20
KEEP_FAILURES = 1000  # failures kept per job, the lowest lines; the rest are only counted
UNEXPECTED = N_("The import stopped on an unexpected error; it is in the console's log.")
BUSY = N_(
    "%(running)s imports are already running and %(waiting)s are waiting; wait for one to "
    "finish, then import again.")


@dataclass(frozen=True, slots=True)
class Failure:
    """A row not written: its line, and the error to show for it."""

    line: int
    error: ConsoleError


@dataclass(frozen=True, slots=True)
class Progress:
    """A consistent snapshot of a job for the page."""

    job_id: str
    table_name: str
    total: int
    written: int
    failed: int
    failures: tuple[Failure, ...]  # the first KEEP_FAILURES failures by line
    is_done: bool
    stopped_by: ConsoleError | None

    @property
    def processed(self) -> int:
        """Rows written or failed so far."""
        return self.written + self.failed


@dataclass(slots=True)
class ImportJob:
    """One import: its counts, guarded by a lock because a worker thread updates them."""

    table_name: str
    total: int
    job_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    written: int = 0
    failed: int = 0
    failures: list[Failure] = field(default_factory=list)  # in line order, at most keep_failures
    keep_failures: int = KEEP_FAILURES
    is_done: bool = False
    stopped_by: ConsoleError | None = None
    future: Future[None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, outcome: item_import.BatchOutcome) -> None:
        """Count one written batch."""
        with self._lock:
            self.written += outcome.written
            for failure in outcome.failures:
                self._add_failure(Failure(failure.line, failure.error))

    def record_bad_row(self, bad: RowError) -> None:
        """Count a row that could not even be read."""
        with self._lock:
            self._add_failure(Failure(bad.line, bad.error))

    def _add_failure(self, failure: Failure) -> None:
        # A batch's failures arrive after rows read later, so insert by line; past the limit
        # only the lowest lines stay.
        self.failed += 1
        if len(self.failures) >= self.keep_failures:
            if not self.failures or failure.line >= self.failures[-1].line:
                return
            self.failures.pop()
        bisect.insort(self.failures, failure, key=lambda kept: kept.line)

    def finish(self, stopped_by: ConsoleError | None = None) -> None:
        """Mark the job done, or stopped by an error that ends every write."""
        with self._lock:
            self.is_done = True
            self.stopped_by = stopped_by

    def progress(self) -> Progress:
        """A snapshot, failures in line order."""
        with self._lock:
            return Progress(self.job_id, self.table_name, self.total, self.written, self.failed,
                            tuple(self.failures), self.is_done, self.stopped_by)


def run_import(job: ImportJob, source: RowSource, key_names: list[str]) -> None:
    """Write the source's good rows into the job's table, counting into the job."""
    def good_rows() -> Iterable[tuple[int, dict]]:
        for row in source:
            if isinstance(row, Row):
                yield row.line, row.item
            else:
                job.record_bad_row(row)

    try:
        # write_items counts every batch it sent before any error, so the counts stay true.
        item_import.write_items(job.table_name, good_rows(), key_names, job.record)
    except ConsoleError as err:
        job.finish(stopped_by=err)
    except Exception:
        logger.exception("import into %s failed", job.table_name)
        job.finish(stopped_by=Unexpected(UNEXPECTED))
    else:
        job.finish()


class DaemonPool:
    """A fixed number of daemon threads running submitted callables in order.

    concurrent.futures' pool joins its threads when the interpreter exits, so Ctrl-C would
    wait for every running and queued import; daemon threads are simply dropped.
    """

    def __init__(self, workers: int, name: str) -> None:
        self._tasks: queue.SimpleQueue[tuple[Future[None], Callable[[], None]]] = (
            queue.SimpleQueue())
        self._workers = workers
        self._name = name
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, work: Callable[[], None]) -> Future[None]:
        """Run `work` on the next free thread; its Future holds the outcome."""
        future: Future[None] = Future()
        self._tasks.put((future, work))
        with self._lock:
            if len(self._threads) < self._workers:
                thread = threading.Thread(target=self._run, daemon=True,
                                          name=f"{self._name}-{len(self._threads)}")
                self._threads.append(thread)
                thread.start()
        return future

    def _run(self) -> None:
        while True:
            future, work = self._tasks.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                work()
            except BaseException as err:  # the Future carries it to whoever waits
                future.set_exception(err)
            else:
                future.set_result(None)


class ImportJobs:
    """The registry: starts jobs on a small pool and finds them by id."""

    def __init__(self, workers: int = WORKERS, keep_finished: int = KEEP_FINISHED,
                 max_waiting: int = MAX_WAITING) -> None:
        self._pool = DaemonPool(workers, "import")
        self._workers = workers
        self._max_waiting = max_waiting
        self._keep_finished = keep_finished
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()

    def check_room(self) -> None:
        """ConsoleError when the workers are busy and enough imports already wait."""
        with self._lock:
            self._refuse_when_full()

    def start(self, job: ImportJob, work: Callable[[], None]) -> ImportJob:
        """Register the job and run `work` for it in the background.

        Raises ConsoleError (code "busy") when the workers are busy and MAX_WAITING imports
        already wait; nothing is started then.
        """
        with self._lock:
            self._refuse_when_full()
            self._forget_old()
            self._jobs[job.job_id] = job
            # The clients and the region live in context variables: the job runs in a copy of
            # the caller's context, so it writes where the user is looking.
            job.future = self._pool.submit(partial(contextvars.copy_context().run, work))
        return job

    def _refuse_when_full(self) -> None:
        unfinished = sum(1 for job in self._jobs.values()
                         if job.future is not None and not job.future.done())
        if unfinished >= self._workers + self._max_waiting:
            raise Busy(BUSY, running=self._workers, waiting=unfinished - self._workers)

    def get(self, job_id: str) -> ImportJob | None:
        """The job with this id, if it is still known."""
        with self._lock:
            return self._jobs.get(job_id)

    def _forget_old(self) -> None:
        finished = [job_id for job_id, job in self._jobs.items() if job.is_done]
        for job_id in finished[:max(0, len(finished) - self._keep_finished + 1)]:
            del self._jobs[job_id]
