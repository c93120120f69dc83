"""The state endpoint: download a snapshot, restore one, reset everything.

* GET /_sandbox/state → the whole state as a gzip file (the journal, see journal.py).
* PUT /_sandbox/state with `X-Sandbox-Action: restore` and a snapshot as the body → the state is
  replaced by the snapshot's; 200 {"changes", "failed", "diverged", "seconds", "first_failure"}.
  400 {"message"} when the body is not a snapshot (nothing is changed then).
* DELETE /_sandbox/state with `X-Sandbox-Action: reset` → everything is gone; 200 {"changes": 0}.

moto's own /moto-api/ is closed, with a pointer here: it shows the whole state (secret keys too)
to any web page, and its reset would empty the backends but not the journal.

The header is required because a web page can send a plain cross-site POST to loopback, but not
a request with a custom header (the browser asks first, and this endpoint never says yes).
"""
import json
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import Dispatcher
from webapp.sandbox.persistence.journal import JournalError
from webapp.sandbox.persistence.keeper import Busy, StateKeeper

STATE_PATH = "/_sandbox/state"
MOTO_API_RULE = "/moto-api/"
MOTO_API_PATH_RULE = "/moto-api/<path:rest>"
ACTION_HEADER = "X-Sandbox-Action"
# The largest snapshot a restore takes (a journal holds Lambda code, so it can be large).
MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024


def register(dispatcher: Dispatcher, keeper: StateKeeper) -> None:
    """Serve the state endpoint from `keeper`."""
    close_moto_api(dispatcher)

    @dispatcher.route(STATE_PATH, methods=["GET", "PUT", "DELETE"])
    def state(request: Request) -> Response:
        if request.method == "GET":
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            return Response(keeper.snapshot(), mimetype="application/gzip", headers={
                "Content-Disposition": f'attachment; filename="sandbox-state-{stamp}.jsonl.gz"'})
        expected = "restore" if request.method == "PUT" else "reset"
        if request.headers.get(ACTION_HEADER, "").lower() != expected:
            return _json({"message": f"send the header {ACTION_HEADER}: {expected} to {expected} "
                                     "the sandbox"}, HTTPStatus.FORBIDDEN)
        try:
            if request.method == "DELETE":
                keeper.reset()
                return _json({"changes": 0})
            if (request.content_length or 0) > MAX_SNAPSHOT_BYTES:
                return _json({"message": "the snapshot is larger than "
                                         f"{MAX_SNAPSHOT_BYTES // (1024 * 1024)} MiB"},
                             HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            return _json(keeper.restore(request.get_data()).as_json())
        except JournalError as err:
            return _json({"message": str(err)}, HTTPStatus.BAD_REQUEST)
        except Busy as err:
            return _json({"message": str(err)}, HTTPStatus.CONFLICT)
        except OSError as err:  # the journal could not be replaced: nothing was changed
            return _json({"message": f"could not write the sandbox's journal "
                                     f"({err.strerror or err}); nothing was changed"},
                         HTTPStatus.INTERNAL_SERVER_ERROR)


def close_moto_api(dispatcher: Dispatcher) -> None:
    """moto's own /moto-api/ is closed: it answers any web page's script (CORS for every
    origin) with the whole state, secret keys included, and its reset would empty the backends
    behind the journal's back."""

    @dispatcher.route(MOTO_API_RULE)
    @dispatcher.route(MOTO_API_PATH_RULE)
    def moto_api(_request: Request, **_path: str) -> Response:
        return _json({"message": f"moto's own API is closed in this sandbox; use {STATE_PATH} "
                                 f"(DELETE with the header {ACTION_HEADER}: reset to reset it)"},
                     HTTPStatus.FORBIDDEN)


def _json(body: dict[str, Any], status: int = HTTPStatus.OK) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
