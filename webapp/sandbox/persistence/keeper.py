"""The state keeper: journals each change as it is made, and replaces the whole state on demand.

Changes are serialised: a change runs and its journal line is written under one lock, so the
journal's order is the order the changes took effect. Reads are not serialised.

A change is acknowledged only once its line is written. One whose line cannot be written is
refused with 503 (unavailable.py) and leaves nothing behind in the state:

1. Before moto runs it, room for its line is reserved in the journal's file (space.py). All of
   the line but moto's draws and clock readings is known then (journal.draft); TAIL_ALLOWANCE
   covers those. Changes are serialised, so one reservation is open at a time and no other
   change can take its room. A reservation the disk refuses refuses the change before moto
   sees it.
2. A write can still fail after its reservation succeeded (draws beyond the allowance, a file
   system that cannot reserve, an I/O error). The part written is cut off the file
   (journal.write), and moto's state is rebuilt from the journal as at start: the gate closes
   (requests get 503), requests in flight are waited for, the backends are reset and the
   journal replayed; the change is refused only then. Until the gate closes, a read may see the
   change that is being undone; once it opens, nothing holds it.

Either way the sandbox turns read-only: every change is refused with the same 503, reads work,
and `info()` says why. Each later change, and each health check, tries to reserve again (where
nothing can be reserved, writes a probe file); the first that succeeds ends read-only. Effects
(log events, metrics) met while read-only are dropped, not applied, for the same reason: the
state never holds what the journal does not.

Reset and restore close a gate first: new requests get 503 (botocore retries those), Lambda
workers are stopped so running invocations end, and the requests already in flight are waited
for. Then moto's backends are reset, the new state is replayed and the journal replaced.

The lock file that keeps a second sandbox out of the data directory also says whether the last
run stopped cleanly ("running" while one runs, "stopped" once it has closed the journal), so an
incomplete last line is blamed on a kill only when the previous run was indeed cut off.
"""
import errno
import fcntl
import logging
import os
import threading
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any

from moto.moto_api._internal.models import moto_api_backend
from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import AwsOperation, Dispatcher
from webapp.sandbox.persistence import changes, clock, draws, effects
from webapp.sandbox.persistence.journal import Journal, Loaded, draft, parse
from webapp.sandbox.persistence.replay import ReplayReport, effect_head, replay, request_head
from webapp.sandbox.persistence.unavailable import service_unavailable

logger = logging.getLogger(__name__)

LOCK_FILE = "lock"
# What the lock file says: a run holds the directory, or the last one stopped cleanly.
RUNNING_MARK = b"running"
STOPPED_MARK = b"stopped"
# Room reserved past a line's known part for the draws and clock readings its change makes:
# over 100 times the most measured (561 bytes, a CreateRestApi's, of 17 kinds of change).
TAIL_ALLOWANCE = 64 * 1024
PROBE_PREFIX = ".space-probe-"
ROLLBACK_REASON = "the sandbox is undoing a change it could not save"
# How long a reset or restore waits for requests in flight to finish.
DRAIN_SECONDS = 30.0
# Paths that pass the gate while it is closed: the health check and the state endpoint itself.
UNGATED_PREFIX = "/_sandbox/"
GZIP_LEVEL = 6
# zlib's window bits for the gzip format (16 + the largest window).
GZIP_WBITS = 16 + zlib.MAX_WBITS


class DataDirectoryBusy(RuntimeError):
    """Another sandbox keeps its state in the same directory."""


class Busy(RuntimeError):
    """Requests in flight did not finish in time for a reset or restore."""


class GateClosed(Busy):
    """The gate is closed already: a reset, restore or rollback is under way."""


class StateKeeper:
    """Journals changes and effects; resets and restores the sandbox's whole state."""

    def __init__(self, journal: Journal, loaded: Loaded | None = None,
                 dir_lock: IO[bytes] | None = None,
                 previous_run_unclean: bool | None = None) -> None:
        self._journal = journal
        self._pending = loaded.entries if loaded else []
        self._skipped = loaded.skipped if loaded else 0
        self._dropped_bytes = loaded.dropped_bytes if loaded else 0
        self._dir_lock = dir_lock
        # True: the lock file says the last run never stopped (killed, crashed); None: unknown.
        self.previous_run_unclean = previous_run_unclean
        self._changes = threading.RLock()
        self._traffic = threading.Condition()
        self._in_flight = 0
        self._closed_reason: str | None = None
        self._dispatcher: Dispatcher | None = None
        self._stop_workers: Callable[[], None] = _nothing
        self._after_reset: Callable[[], None] = _nothing
        self._local = threading.local()
        # moto holds a change the journal does not: a rollback is due.
        self._unsaved = False
        # A line could not be written though room was reserved: leaving read-only takes a probe.
        self._write_failed = False
        self._effects_dropped = 0
        # The room the last refused change wanted: a health check retries with as much.
        self._room_wanted = TAIL_ALLOWANCE
        self.restored: ReplayReport | None = None
        self.read_only_reason: str | None = None

    @classmethod
    def open(cls, persist: bool, data_dir: Path) -> "StateKeeper":
        """A keeper journaling into `data_dir` (and holding it), or into a temporary file."""
        if not persist:
            return cls(Journal.temporary())
        data_dir.mkdir(parents=True, exist_ok=True)
        dir_lock = (data_dir / LOCK_FILE).open("a+b")
        try:
            fcntl.flock(dir_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            dir_lock.close()
            raise DataDirectoryBusy(f"another sandbox keeps its state in {data_dir}; stop it, "
                                    "or set SANDBOX_DATA_DIR to another directory") from None
        dir_lock.seek(0)
        mark = dir_lock.read()
        unclean = (True if mark.startswith(RUNNING_MARK)
                   else False if mark.startswith(STOPPED_MARK) else None)
        _mark(dir_lock, RUNNING_MARK + f" {os.getpid()}\n".encode())
        journal, loaded = Journal.in_directory(data_dir)
        return cls(journal, loaded, dir_lock, unclean)

    def attach(self, dispatcher: Dispatcher, stop_workers: Callable[[], None],
               after_reset: Callable[[], None]) -> ReplayReport:
        """Replay what the journal holds into `dispatcher`, then journal its changes.

        `stop_workers` ends running Lambda invocations before a reset or restore;
        `after_reset` runs once moto's backends are empty again.
        """
        self._dispatcher = dispatcher
        self._stop_workers = stop_workers
        self._after_reset = after_reset
        draws.install()
        clock.install()
        report = replay(dispatcher, self._pending)
        self._pending = []
        self.restored = report if report.changes else None
        dispatcher.gate = self
        dispatcher.changes = self
        effects.listen(self._effect)
        return report

    def close(self) -> None:
        """Stop journaling; flush the journal to disk."""
        effects.listen(None)
        self._journal.close()
        if self._dir_lock is not None:
            _mark(self._dir_lock, STOPPED_MARK + b"\n")
            self._dir_lock.close()

    # Journaling (the dispatcher's ChangeRecorder) ------------------------------------------

    def records(self, request: Request, operation: AwsOperation | None) -> bool:
        """Whether the request changes state."""
        if changes.is_partiql_read(request.get_data(), operation):
            return False
        return changes.is_change(operation) or changes.is_unnamed_change(request, operation)

    def record(self, request: Request, body: bytes, operation: AwsOperation | None,
               answer: Callable[[], Response]) -> Response:
        """Make the change and, if it succeeded, journal it before answering; refuse it (503,
        nothing changed) when its line cannot be written."""
        response: Response | None = None
        with self._changes:
            line = draft(request_head(request, body, changes.change_name(request, operation),
                                      time.time()))
            if self._make_room(len(line.opening) + TAIL_ALLOWANCE):
                with draws.recording() as drawn, clock.recording() as readings:
                    response = answer()
                if (response.status_code < HTTPStatus.BAD_REQUEST
                        and not self._write(line.finish(draws=drawn, clock=readings))):
                    response = None
        if self._unsaved:
            self._roll_back()
        return response if response is not None else self._refusal(request)

    def _refusal(self, request: Request) -> Response:
        """The 503 a change gets while the sandbox is read-only."""
        reason = self.read_only_reason or "the sandbox cannot save changes"
        return service_unavailable(request, f"{reason}; the change was not made")

    def _effect(self, kind: str, args: dict[str, Any], apply: effects.Apply) -> None:
        with self._changes:
            line = draft(effect_head(kind, args, time.time()))
            if not self._make_room(len(line.opening) + TAIL_ALLOWANCE):
                self._effects_dropped += 1
                if self._effects_dropped == 1:
                    logger.warning("%s not applied (%s); later ones are dropped silently "
                                   "while the sandbox is read-only", kind, self.read_only_reason)
                return
            with draws.recording() as drawn, clock.recording() as readings:
                apply(**args)
            saved = self._write(line.finish(draws=drawn, clock=readings))
        if not saved:
            # Not from this thread: a reset waits for Event invocations, and this may be one.
            threading.Thread(target=self._roll_back, name="sandbox-rollback", daemon=True).start()

    def _make_room(self, length: int) -> bool:
        """Reserve room for the next line: leave read-only when it can, enter it when not."""
        if self._unsaved:
            return False
        try:
            reserved = self._journal.reserve(length)
            if self.read_only_reason is not None and (not reserved or self._write_failed):
                self._probe(length)  # the reservation alone is no proof here
        except (OSError, ValueError) as err:  # ValueError: a closed file
            self._go_read_only(err)
            self._room_wanted = length
            return False
        if self.read_only_reason is not None:
            logger.warning("the journal can be written again: the sandbox takes changes again")
            self._replaced()
        return True

    def _probe(self, length: int) -> None:
        """Write `length` bytes beside the journal and remove them: OSError if they do not fit."""
        with tempfile.TemporaryFile(dir=self._journal.directory, prefix=PROBE_PREFIX) as probe:
            probe.write(bytes(length))
            probe.flush()

    def _write(self, line: bytes) -> bool:
        try:
            self._journal.write(line)
        except (OSError, ValueError) as err:
            self._go_read_only(err)
            self._unsaved = self._write_failed = True
            self._room_wanted = len(line) + TAIL_ALLOWANCE
            return False
        return True

    def _go_read_only(self, err: Exception) -> None:
        reason = read_only_reason(err, self._journal.directory)
        if self.read_only_reason is None:
            logger.error("%s; the sandbox is read-only: changes are refused until it can save "
                         "them", reason)
        self.read_only_reason = reason

    def _roll_back(self) -> None:
        """Rebuild moto's state from the journal, undoing the change it could not save."""
        counted = getattr(self._local, "counted", False)
        if counted:  # this request must not wait for itself to finish
            self._leave_traffic()
        try:
            while self._unsaved:
                try:
                    with self._closed(ROLLBACK_REASON), self._changes:
                        if self._unsaved:
                            entries = parse(b"".join(self._journal.chunks())).entries
                            self._clear()
                            replay(self._require_dispatcher(), entries)
                            self._unsaved = False
                except GateClosed:  # a reset, restore or rollback first: wait, then look again
                    with self._traffic:
                        self._traffic.wait_for(lambda: self._closed_reason is None)
                except Busy as err:
                    logger.error("could not undo a change that was not saved (%s); the next "
                                 "change tries again", err)
                    return
        finally:
            if counted:
                with self._traffic:
                    self._in_flight += 1

    def _leave_traffic(self) -> None:
        with self._traffic:
            self._in_flight -= 1
            self._traffic.notify_all()

    # The gate (the dispatcher's Gate) -------------------------------------------------------

    @contextmanager
    def passage(self, request: Request) -> Iterator[Response | None]:
        """Count the request in flight, or refuse it while the state is being replaced."""
        if request.path.startswith(UNGATED_PREFIX):
            yield None
            return
        with self._traffic:
            reason = self._closed_reason
            if reason is None:
                self._in_flight += 1
        if reason is not None:
            yield service_unavailable(request, f"{reason}; try again shortly")
            return
        self._local.counted = True
        try:
            yield None
        finally:
            self._local.counted = False
            self._leave_traffic()

    @contextmanager
    def _closed(self, reason: str) -> Iterator[None]:
        with self._traffic:
            if self._closed_reason is not None:
                raise GateClosed("the sandbox is already being reset or restored")
            self._closed_reason = reason
        try:
            self._stop_workers()
            with self._traffic:
                if not self._traffic.wait_for(lambda: self._in_flight == 0, DRAIN_SECONDS):
                    raise Busy(f"{self._in_flight} request(s) still running after "
                               f"{DRAIN_SECONDS:.0f} s; try again when they finish")
            yield
        finally:
            with self._traffic:
                self._closed_reason = None
                self._traffic.notify_all()

    # Reset, restore, snapshot ----------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything: moto's backends, Lambda workers, and the journal."""
        with self._closed("the sandbox is being reset"), self._changes:
            self._journal.replace([])  # first: if it cannot be written, nothing has changed
            self._clear()
            self._replaced()
            self.restored = None

    def restore(self, data: bytes) -> ReplayReport:
        """Replace the whole state with a snapshot's; JournalError (nothing changed) if it is
        not one."""
        loaded = parse(data)
        with self._closed("the sandbox is restoring a snapshot"), self._changes:
            self._journal.replace(loaded.entries)  # first: if it cannot be written, no change
            self._clear()
            self._replaced()
            report = replay(self._require_dispatcher(), loaded.entries)
            self.restored = report
        return report

    def snapshot(self) -> Iterator[bytes]:
        """The journal as it is now, gzip-compressed, in chunks."""
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, GZIP_WBITS)
        for chunk in self._journal.chunks():
            yield compressor.compress(chunk)
        yield compressor.flush()

    def info(self) -> dict[str, Any]:
        """What the health check says of the state; tries to leave read-only first."""
        if (self.read_only_reason is not None and not self._unsaved
                and self._changes.acquire(blocking=False)):
            try:
                self._make_room(self._room_wanted)
            finally:
                self._changes.release()
        path = self._journal.path
        return {
            "persist": path is not None,
            "data_dir": str(path.parent) if path is not None else None,
            "changes": self._journal.count,
            "bytes": self._journal.size(),
            "restored": self.restored.as_json() if self.restored else None,
            "skipped_lines": self._skipped,
            "dropped_tail": self.dropped_tail(),
            "error": self.read_only_reason,
            "read_only": self.read_only_reason is not None,
            "read_only_reason": self.read_only_reason,
        }

    def dropped_tail(self) -> str | None:
        """What was said of an incomplete last line dropped at start, or None if there was none."""
        if not self._dropped_bytes:
            return None
        if self.previous_run_unclean:
            return (f"the journal's last change was cut short when the previous run was killed "
                    f"or crashed: its {self._dropped_bytes} byte(s) were dropped")
        return (f"the journal ended in an incomplete line ({self._dropped_bytes} byte(s)): "
                "dropped")

    def _replaced(self) -> None:
        """The journal can be written and holds all moto does: nothing is unsaved or refused."""
        self._unsaved = self._write_failed = False
        self.read_only_reason = None
        self._effects_dropped = 0

    def _clear(self) -> None:
        moto_api_backend.reset()
        self._after_reset()

    def _require_dispatcher(self) -> Dispatcher:
        if self._dispatcher is None:
            raise RuntimeError("the keeper is not attached to a dispatcher")
        return self._dispatcher


def _nothing() -> None:
    pass


def read_only_reason(err: Exception, directory: str) -> str:
    """One line: why the journal in `directory` cannot be written, and what ends it."""
    code = getattr(err, "errno", None)
    name = errno.errorcode.get(code, "") if isinstance(code, int) else ""
    if code == errno.ENOSPC:
        return f"no space left on {directory} (ENOSPC); free space to resume"
    if code == errno.EDQUOT:
        return f"disk quota exceeded on {directory} (EDQUOT); free space to resume"
    detail = getattr(err, "strerror", None) or str(err)
    return (f"cannot write the journal in {directory} ({detail}"
            f"{f', {name}' if name else ''}); fix it to resume")


def _mark(lock: IO[bytes], text: bytes) -> None:
    """Say in the lock file whether a run holds the directory; a full disk only loses the note."""
    try:
        lock.seek(0)
        lock.truncate()
        lock.write(text)
        lock.flush()
    except OSError as err:
        logger.warning("could not note the run in the lock file: %s", err)
