"""The wizard's record on the server: what it was asked (Plan), what it made (Made), steps done.

A session cookie forgets at its idle expiry and is not shared by another browser, so the wizard
keeps its progress in one SQLite file (instance/wizard.sqlite3), one row per place it builds in:
the backend (the sandbox or AWS, and the endpoint), the account and the region. A write returns
only after its transaction committed (a rollback journal with synchronous=FULL: WAL's switch
answers "locked" at once, without waiting, when two first writers meet). Two requests saving at once are
serialised by SQLite (BEGIN IMMEDIATE, a busy timeout) and the identities of what the wizard made
are merged, never overwritten, so a step run in one browser does not make another's creations
forgotten. The file is data from disk: one that is not this record (corrupt, or some other
SQLite file) is set aside and a fresh record started, with a notice for the page to show.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from webapp.aws import clients
from webapp.aws.account import account_id
from webapp.aws.errors import N_
from webapp.wizard.model import Made, Plan

logger = logging.getLogger(__name__)

# "WIZD": marks the file as this record (SQLite's application_id is for exactly this).
APPLICATION_ID = 0x57495A44
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 10.0
# SQLite's answers for a file that is not a database, or a damaged one: the file is set aside.
_UNREADABLE_CODES = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT"})
_SCHEMA = """
CREATE TABLE IF NOT EXISTS wizard_state (
    backend TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (backend, endpoint, account_id, region)
)
"""
RECORD_RESET = N_("The wizard's record %(path)s could not be read (%(reason)s), so a fresh record "
                  "was started; the old file is kept as %(kept)s. What the wizard made still "
                  "carries its tag, and its steps recognise it.")
ENTRY_RESET = N_("The wizard's record for this account and region could not be read, so it "
                 "starts afresh. What the wizard made still carries its tag, and its steps "
                 "recognise it.")


@dataclass(frozen=True, slots=True)
class RecordKey:
    """Where the wizard builds: its record is kept apart for each."""

    backend: str   # "sandbox" or "aws"
    endpoint: str  # the endpoint URL, "" for AWS's own
    account_id: str
    region: str


def current_key() -> RecordKey:
    """Where this request's calls go (account_id asks STS once per connection)."""
    connection = clients.connection()
    return RecordKey(connection.backend, connection.endpoint_url or "", account_id(),
                     clients.current_region())


@dataclass(slots=True)
class WizardState:
    """The wizard's progress in one place."""

    plan: Plan = field(default_factory=Plan)
    made: Made = field(default_factory=Made)
    done: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        """The stored form."""
        return json.dumps({"plan": self.plan.to_dict(), "made": self.made.to_dict(),
                           "done": list(self.done)})

    @classmethod
    def from_json(cls, text: str) -> WizardState | None:
        """Back from the stored form; None when it is not one (it is data from disk)."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError, RecursionError):
            return None
        if not isinstance(data, dict):
            return None
        done = data.get("done")
        return cls(Plan.from_dict(data.get("plan")), Made.from_dict(data.get("made")),
                   [key for key in done if isinstance(key, str)] if isinstance(done, list) else [])


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the page should tell the user about the record: an N_ message, its values."""

    message: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Loaded:
    """A state read back (None when there is none yet) and any notice about reading it."""

    state: WizardState | None
    notice: Notice | None = None


class ForeignFile(Exception):
    """The file is an SQLite database, but not this record."""


class WizardRecord:
    """The record file: load and save one place's state."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._reset_lock = threading.Lock()

    def load(self, key: RecordKey) -> Loaded:
        """The state kept for `key`; nothing is created when there is no file yet."""
        if not self.path.exists():
            return Loaded(None)
        notice = None
        try:
            text = self._read(key)
        except (sqlite3.DatabaseError, ForeignFile) as err:
            notice = self._set_aside(err)
            text = None
        if text is None:
            return Loaded(None, notice)
        state = WizardState.from_json(text)
        if state is None:
            logger.warning("wizard record: the entry of %s/%s is not readable; starting afresh",
                           key.account_id, key.region)
            return Loaded(None, Notice(ENTRY_RESET))
        return Loaded(state, notice)

    def save(self, key: RecordKey, state: WizardState, *, forget: Iterable[str] = ()) -> Notice | None:
        """Keep `state` for `key`, merging in identities another request recorded meanwhile,
        less those in `forget` (what a tear down deleted). Returns once committed."""
        try:
            self._write(key, state, frozenset(forget))
            return None
        except (sqlite3.DatabaseError, ForeignFile) as err:
            notice = self._set_aside(err)
        self._write(key, state, frozenset(forget))
        return notice

    def _read(self, key: RecordKey) -> str | None:
        with self._connection() as db:
            return _stored_text(db, key)

    def _write(self, key: RecordKey, state: WizardState, forget: frozenset[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                text = _stored_text(db, key)
                stored = WizardState.from_json(text) if text is not None else None
                merged = _merged(state, stored, forget)
                db.execute("INSERT INTO wizard_state VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO "
                           "UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                           (*_columns(key), merged.to_json(), time.time()))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            _prepare(db)
            yield db
        finally:
            db.close()

    def _set_aside(self, err: Exception) -> Notice:
        """Move an unreadable file (and its journal) aside so a fresh record can start."""
        if isinstance(err, sqlite3.DatabaseError) and \
                getattr(err, "sqlite_errorname", "") not in _UNREADABLE_CODES:
            raise err  # busy, read-only, disk full…: the file may be fine, so it is kept
        reason = str(err) or type(err).__name__
        kept = self.path.with_name(f"{self.path.name}.unreadable-{time.strftime('%Y%m%dT%H%M%S')}")
        with self._reset_lock:
            for suffix in ("", "-journal", "-wal", "-shm"):
                part = Path(f"{self.path}{suffix}")
                try:
                    part.replace(Path(f"{kept}{suffix}"))
                except FileNotFoundError:
                    continue  # already set aside by a request that met it at the same time
        logger.warning("wizard record %s unreadable (%s); kept as %s, starting afresh",
                       self.path, reason, kept)
        return Notice(RECORD_RESET, {"path": str(self.path), "reason": reason, "kept": str(kept)})


def _columns(key: RecordKey) -> tuple[str, str, str, str]:
    return key.backend, key.endpoint, key.account_id, key.region


def _stored_text(db: sqlite3.Connection, key: RecordKey) -> str | None:
    """The JSON kept for `key`, or None (nothing kept, or not text)."""
    row = db.execute("SELECT state FROM wizard_state WHERE backend = ? AND endpoint = ? "
                     "AND account_id = ? AND region = ?", _columns(key)).fetchone()
    return row[0] if row and isinstance(row[0], str) else None


def _prepare(db: sqlite3.Connection) -> None:
    """Check the file is this record, or make an empty one so (once, under a write lock: two
    first requests may meet here)."""
    if _application_id(db) != APPLICATION_ID:
        db.execute("BEGIN IMMEDIATE")
        try:
            application_id = _application_id(db)
            if application_id != APPLICATION_ID:
                if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    raise ForeignFile(f"an SQLite file of another application ({application_id})")
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute(_SCHEMA)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    db.execute("PRAGMA synchronous = FULL")
    db.execute(_SCHEMA)


def _application_id(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA application_id").fetchone()[0])


def _merged(state: WizardState, stored: WizardState | None, forget: frozenset[str]) -> WizardState:
    """`state`, with what `stored` recorded that this request did not know of (less `forget`)."""
    if stored is None:
        return state
    known = set(state.made.identities)
    extra = [entry for entry in stored.made.identities if entry not in known and entry not in forget]
    if not extra:
        return state
    made = Made.from_dict(state.made.to_dict())
    made.identities = [*made.identities, *extra]
    made.run_id = made.run_id or stored.made.run_id
    return WizardState(state.plan, made, state.done)
