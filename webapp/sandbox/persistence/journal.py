"""The journal file: one JSON object per line, each appended with write() straight to the file.

The first line is a header naming the format and its version; every later line is one change.
A line is handed to the operating system by write() calls on an unbuffered descriptor, so a
process killed at any moment (SIGKILL included) leaves every earlier line whole: at worst the
last line is incomplete. Loading drops such a tail (and truncates the file there, so the next
append starts on a fresh line) and says how many bytes it dropped. A line in the middle that
does not parse can only come from damage on disk: it is skipped and counted, never fatal.

A write the disk refuses part-way (a full disk writes what fits, then fails) is cut back off the
file at once, so nothing of a change that was not saved stays behind to be replayed, and no
later line is glued to half of one. Unbuffered, too, because a buffered file keeps what it could
not write and writes it with the next line. `reserve` (space.py) claims room for a line before
its change runs; `draft` builds the part of a line that is known then.

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

from webapp.sandbox.persistence import space

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
    # The bytes of an incomplete last line, dropped (0 when the journal ended on a whole line).
    dropped_bytes: int = 0


def header() -> dict[str, Any]:
    """The first line of every journal."""
    return {"format": FORMAT, "version": VERSION}


def encode(entry: dict[str, Any]) -> bytes:
    """One journal line, newline included."""
    return json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


@dataclass(frozen=True, slots=True)
class Draft:
    """A journal line as far as it is known before its change runs: all but the values moto
    draws and reads while it runs, which `finish` adds at the end."""

    opening: bytes

    def finish(self, **recorded: Any) -> bytes:
        """The whole line, as `encode` would give it for the known keys followed by `recorded`."""
        return self.opening + b"," + encode(recorded)[1:]


def draft(known: dict[str, Any]) -> Draft:
    """The beginning of the line for an entry whose first keys are `known` (not empty)."""
    return Draft(encode(known)[:-len(b"}\n")])


def parse(data: bytes) -> Loaded:
    """The changes in a journal's bytes (gzip or plain); JournalError if it is not a journal."""
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as err:
            raise JournalError(f"the file is not a readable gzip file ({err})") from None
    lines = data.split(b"\n")
    dropped = 0
    if data and not data.endswith(b"\n"):
        dropped = len(lines[-1])
        lines = lines[:-1]  # an incomplete last line: dropped
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
    return Loaded(entries, skipped, dropped)


class Journal:
    """An append-only journal in a file; thread-safe appends."""

    def __init__(self, stream: IO[bytes], path: Path | None, count: int = 0) -> None:
        self._stream = stream
        self._path = path
        self._lock = threading.Lock()
        self._count = count
        # The bytes of whole lines; anything past it is a refused write not yet cut off.
        self._size = os.fstat(stream.fileno()).st_size
        self._ragged = False

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
        if loaded.dropped_bytes:
            os.truncate(path, len(data) - loaded.dropped_bytes)
        return cls(path.open("ab", buffering=0), path, len(loaded.entries)), loaded

    @classmethod
    def temporary(cls) -> "Journal":
        """A journal in an unnamed temporary file, gone when the process ends (however it ends)."""
        stream = tempfile.TemporaryFile(buffering=0)
        _write_all(stream.fileno(), encode(header()))
        return cls(stream, None)

    @property
    def path(self) -> Path | None:
        """Where the journal is kept, or None for a temporary one."""
        return self._path

    @property
    def count(self) -> int:
        """How many changes the journal holds."""
        return self._count

    @property
    def directory(self) -> str:
        """The directory the journal's file is in (the system's temporary one if it is unnamed)."""
        return str(self._path.parent) if self._path is not None else tempfile.gettempdir()

    def size(self) -> int:
        """The journal's size in bytes."""
        return self._size

    def append(self, entry: dict[str, Any]) -> None:
        """Add one change; it is in the operating system's hands when this returns."""
        self.write(encode(entry))

    def write(self, line: bytes) -> None:
        """Add one encoded line whole, or (OSError) none of it: a part written is cut off."""
        with self._lock:
            self._cut_back()
            try:
                _write_all(self._stream.fileno(), line)
            except OSError:
                try:
                    self._cut_back(force=True)
                except OSError:
                    logger.exception("could not cut a refused write off the journal")
                raise
            self._size += len(line)
            self._count += 1

    def reserve(self, length: int) -> bool:
        """Claim room for the next `length` bytes; False if this system cannot reserve, OSError
        if there is no room (see space.py)."""
        with self._lock:
            self._cut_back()
            return space.reserve(self._stream.fileno(), self._size, length)

    def _cut_back(self, force: bool = False) -> None:
        """Truncate the file to its whole lines, after a write the disk refused part-way."""
        if force:
            self._ragged = True
        if self._ragged:
            os.ftruncate(self._stream.fileno(), self._size)
            self._ragged = False

    def chunks(self) -> Iterator[bytes]:
        """The journal's bytes as they are now, in chunks.

        Read with pread() through a descriptor of its own, so neither the reader nor appends
        made meanwhile move the other's position (a dup()ed descriptor would share it).
        """
        with self._lock:
            end = self._size
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
                fresh: IO[bytes] = tempfile.TemporaryFile(buffering=0)
                try:
                    _write_all(fresh.fileno(), b"".join(lines))
                except OSError:
                    fresh.close()
                    raise
            else:
                _write_atomically(self._path, lines)
                fresh = self._path.open("ab", buffering=0)
            self._stream.close()
            self._stream = fresh
            self._count = len(lines) - 1
            self._size = sum(map(len, lines))
            self._ragged = False

    def close(self) -> None:
        """Flush to disk and close."""
        with self._lock:
            if self._stream.closed:
                return
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


def _write_all(fd: int, data: bytes) -> None:
    """write() until all of `data` is written; a disk that fills up part-way raises OSError."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


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
