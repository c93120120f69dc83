"""Imports running in the background, and what each has done so far.

A small thread pool runs the imports; the progress page reads a job's counts while it runs.
Finished jobs are kept for a while so their summary can still be shown, the oldest dropped
first. Jobs know nothing of Flask: the view hands over a callable already bound to the
request's context (the region lives in a context variable).
"""
from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from .aws import item_import
from .aws.errors import N_, ConsoleError
from .import_rows import Row, RowError, RowSource

logger = logging.getLogger(__name__)

WORKERS = 2
KEEP_FINISHED = 20
UNEXPECTED = N_("The import stopped on an unexpected error; it is in the console's log.")


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
    failures: tuple[Failure, ...]
    is_done: bool
    stopped_by: ConsoleError | None

    @property
    def processed(self) -> int:
        """Rows written or failed so far."""
        return self.written + len(self.failures)


@dataclass(slots=True)
class ImportJob:
    """One import: its counts, guarded by a lock because a worker thread updates them."""

    table_name: str
    total: int
    job_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    written: int = 0
    failures: list[Failure] = field(default_factory=list)
    is_done: bool = False
    stopped_by: ConsoleError | None = None
    future: Future[None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, outcome: item_import.BatchOutcome) -> None:
        """Count one written batch."""
        with self._lock:
            self.written += outcome.written
            self.failures.extend(Failure(failure.line, failure.error)
                                 for failure in outcome.failures)

    def record_bad_row(self, bad: RowError) -> None:
        """Count a row that could not even be read."""
        with self._lock:
            self.failures.append(Failure(bad.line, bad.error))

    def finish(self, stopped_by: ConsoleError | None = None) -> None:
        """Mark the job done, or stopped by an error that ends every write."""
        with self._lock:
            self.is_done = True
            self.stopped_by = stopped_by

    def progress(self) -> Progress:
        """A snapshot, failures in line order."""
        with self._lock:
            failures = tuple(sorted(self.failures, key=lambda failure: failure.line))
            return Progress(self.job_id, self.table_name, self.total, self.written, failures,
                            self.is_done, self.stopped_by)


def run_import(job: ImportJob, source: RowSource, key_names: list[str]) -> None:
    """Write the source's good rows into the job's table, counting into the job."""
    def good_rows() -> Iterable[tuple[int, dict]]:
        for row in source:
            if isinstance(row, Row):
                yield row.line, row.item
            else:
                job.record_bad_row(row)

    try:
        item_import.write_items(job.table_name, good_rows(), key_names, job.record)
    except ConsoleError as err:
        job.finish(stopped_by=err)
    except Exception:
        logger.exception("import into %s failed", job.table_name)
        job.finish(stopped_by=ConsoleError(UNEXPECTED))
    else:
        job.finish()


class ImportJobs:
    """The registry: starts jobs on a small pool and finds them by id."""

    def __init__(self, workers: int = WORKERS, keep_finished: int = KEEP_FINISHED) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="import")
        self._keep_finished = keep_finished
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()

    def start(self, job: ImportJob, work: Callable[[], None]) -> ImportJob:
        """Register the job and run `work` for it in the background."""
        with self._lock:
            self._forget_old()
            self._jobs[job.job_id] = job
        job.future = self._executor.submit(work)
        return job

    def get(self, job_id: str) -> ImportJob | None:
        """The job with this id, if it is still known."""
        with self._lock:
            return self._jobs.get(job_id)

    def _forget_old(self) -> None:
        finished = [job_id for job_id, job in self._jobs.items() if job.is_done]
        for job_id in finished[:max(0, len(finished) - self._keep_finished + 1)]:
            del self._jobs[job_id]
