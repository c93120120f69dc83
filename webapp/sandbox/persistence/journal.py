"""The journal file: one JSON object per line, appended and flushed per change.

The first line is a header naming the format and its version; every later line is one change.
A line is written with a single write() of the whole line and its newline, then flushed to the
operating system, so a process killed at any moment (SIGKILL included) leaves every earlier line
whole: at worst the last line is cut short. Loading drops such a tail (and truncates the file
there, so the next append starts on a fresh line). A line in the middle that does not parse can
only come from damage on disk: it is skipped and counted, never fatal.

Replacing the whole journal (restore, reset) writes a new file beside it and renames it over the
old one, so a reader finds either the old journal or the new one, never a mixture.
"""
import gzip
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)

FORMAT = "serverless-console-sandbox-journal"
VERSION = 1
FILE_NAME = "journal.jsonl"
GZIP_MAGIC = b"\x1f\x8b"
READ_CHUNK = 1 << 20


class JournalError(ValueError):
    """A file that is not a journal this sandbox can load; the message says why, on one line."""


@dataclass(frozen=True, slots=True)
class Loaded:
    """What was read from a journal: its changes, and how many damaged lines were skipped."""

    entries: list[dict[str, Any]]
    skipped: int


def header() -> dict[str, Any]:
    """The first line of every journal."""
    return {"format": FORMAT, "version": VERSION}


def encode(entry: dict[str, Any]) -> bytes:
    """One journal line, newline included."""
    return json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def parse(data: bytes) -> Loaded:
    """The changes in a journal's bytes (gzip or plain); JournalError if it is not a journal."""
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as err:
            raise JournalError(f"the file is not a readable gzip file ({err})") from None
    lines = data.split(b"\n")
    if data and not data.endswith(b"\n"):
        lines = lines[:-1]  # cut short by a kill: dropped
    _check_header(lines[0] if lines and lines[0] else b"")
    entries: list[dict[str, Any]] = []
    skipped = 0
    for line in lines[1:]:
        if not line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            skipped += 1
            continue
        if isinstance(entry, dict):
            entries.append(entry)
        else:
            skipped += 1
    return Loaded(entries, skipped)


class Journal:
    """An append-only journal in a file; thread-safe appends."""

    def __init__(self, stream: IO[bytes], path: Path | None) -> None:
        self._stream = stream
        self._path = path
        self._lock = threading.Lock()
        self._count = 0

    @classmethod
    def in_directory(cls, directory: Path) -> tuple["Journal", Loaded]:
        """The journal kept in `directory` (made if missing), and what it already holds."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / FILE_NAME
        if not path.exists() or path.stat().st_size == 0:
            _write_atomically(path, [encode(header())])
        data = path.read_bytes()
        if data[:2] == GZIP_MAGIC:  # a snapshot put in place by hand: kept as plain lines
            loaded = parse(data)
            _write_atomically(path, [encode(header()), *map(encode, loaded.entries)])
            data = path.read_bytes()
        loaded = parse(data)
        whole = data.rfind(b"\n") + 1
        if whole < len(data):
            logger.warning("the journal's last change was cut short by a kill: dropped")
            os.truncate(path, whole)
        journal = cls(path.open("ab"), path)
        journal._count = len(loaded.entries)
        return journal, loaded

    @classmethod
    def temporary(cls) -> "Journal":
        """A journal in an unnamed temporary file, gone when the process ends (however it ends)."""
        stream = tempfile.TemporaryFile()
        stream.write(encode(header()))
        stream.flush()
        return cls(stream, None)

    @property
    def path(self) -> Path | None:
        """Where the journal is kept, or None for a temporary one."""
        return self._path

    @property
    def count(self) -> int:
        """How many changes the journal holds."""
        return self._count

    def size(self) -> int:
        """The journal's size in bytes."""
        with self._lock:
            self._stream.flush()
            return os.fstat(self._stream.fileno()).st_size

    def append(self, entry: dict[str, Any]) -> None:
        """Add one change; it is in the operating system's hands when this returns."""
        line = encode(entry)
        with self._lock:
            self._stream.write(line)
            self._stream.flush()
            self._count += 1

    def chunks(self) -> Iterator[bytes]:
        """The journal's bytes as they are now, in chunks.

        Read with pread() through a descriptor of its own, so neither the reader nor appends
        made meanwhile move the other's position (a dup()ed descriptor would share it).
        """
        with self._lock:
            self._stream.flush()
            end = os.fstat(self._stream.fileno()).st_size
            reader = (os.open(self._path, os.O_RDONLY) if self._path is not None
                      else os.dup(self._stream.fileno()))
        try:
            offset = 0
            while offset < end:
                chunk = os.pread(reader, min(READ_CHUNK, end - offset), offset)
                if not chunk:
                    break
                offset += len(chunk)
                yield chunk
        finally:
            os.close(reader)

    def replace(self, entries: Iterable[dict[str, Any]]) -> None:
        """Make the journal hold exactly `entries`, all at once; on OSError it is unchanged."""
        lines = [encode(header()), *(encode(entry) for entry in entries)]
        with self._lock:
            if self._path is None:
                fresh: IO[bytes] = tempfile.TemporaryFile()
                try:
                    fresh.writelines(lines)
                    fresh.flush()
                except OSError:
                    fresh.close()
                    raise
            else:
                _write_atomically(self._path, lines)
                fresh = self._path.open("ab")
            self._stream.close()
            self._stream = fresh
            self._count = len(lines) - 1

    def close(self) -> None:
        """Flush to disk and close."""
        with self._lock:
            if self._stream.closed:
                return
            self._stream.flush()
            if self._path is not None:
                os.fsync(self._stream.fileno())
            self._stream.close()


def _check_header(line: bytes) -> None:
    try:
        first = json.loads(line)
    except ValueError:
        first = None
    if not isinstance(first, dict) or first.get("format") != FORMAT:
        raise JournalError("the file is not a sandbox snapshot (its first line should name "
                           f"the format {FORMAT!r})")
    version = first.get("version")
    if version != VERSION:
        raise JournalError(f"the file is version {version!r} of the sandbox's format; this "
                           f"sandbox reads version {VERSION}")


def _write_atomically(path: Path, lines: list[bytes]) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.writelines(lines)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
