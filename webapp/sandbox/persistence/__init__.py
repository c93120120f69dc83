"""Keeping the sandbox's state across restarts: a journal of changes, replayed at start.

What is kept, and how (the choice, against the alternatives, is in the README's architecture
notes): every request that changes state and succeeds is appended to `journal.jsonl` in
SANDBOX_DATA_DIR before its answer is sent, with the clock readings and random draws moto made
for it; state the sandbox writes itself (log events, metrics) is appended as effects. Starting
replays the journal through the same dispatcher with those readings and draws handed back, so
ids (an API's stage URL) and creation dates come back as they were.

Modules: journal.py (the file), space.py (room reserved in it before a change runs),
changes.py (which calls change state), draws.py and clock.py (moto's randomness and clock,
recorded and replayed), effects.py (the sandbox's own writes), replay.py (entries, and running
them again), phase.py (whether a thread is replaying), keeper.py (serialising changes; refusing
those it cannot save; reset and restore), unavailable.py (its 503s in each protocol's shape),
endpoint.py (HTTP).
"""
from webapp.sandbox.persistence.journal import JournalError
from webapp.sandbox.persistence.keeper import DataDirectoryBusy, StateKeeper

__all__ = ["DataDirectoryBusy", "JournalError", "StateKeeper"]
