"""Every place the sandbox changes moto's own code, and the moto it was checked against.

The sandbox corrects moto mostly from outside (dispatch.py's handlers and amenders), but a few
corrections have to replace moto's functions or classes in place. Such a patch is only right for
the code it replaced, so each is listed here with a fingerprint of that code (the SHA-256 of its
source, first 12 hex digits) as moto MOTO_VERSION had it. `changed()` compares them with the moto
that is installed, in a fresh interpreter (tests/unit/test_moto_patches.py): after an upgrade it
names each patch to look at again, then the fingerprints are refreshed with `python -m
webapp.sandbox.moto_patches`.
"""
import hashlib
import importlib
import inspect
import json
import sys
from dataclasses import dataclass

MOTO_VERSION = "5.2.5"
FINGERPRINT_DIGITS = 12


@dataclass(frozen=True, slots=True)
class Patch:
    """moto's `target` ("module:qualified.name", or a module), replaced or wrapped by the
    sandbox's `by` (a path under webapp/sandbox/)."""

    target: str
    by: str
    why: str
    fingerprint: str


PATCHES = (
    Patch("moto.dynamodb.models.table:Table.all_items", "dynamodb/table_order.py",
          "items in key order without sorting the table on every Scan", "c80d2ee3c896"),
    Patch("moto.dynamodb.models.table:Table.__len__", "dynamodb/table_order.py",
          "the item count without building every item", "67bd2612f0ae"),
    Patch("moto.dynamodb.models.table:Table.put_item", "dynamodb/table_order.py",
          "keeps the key order as items are written", "de23933013ef"),
    Patch("moto.dynamodb.models.table:Table.delete_item", "dynamodb/table_order.py",
          "keeps the key order as items are deleted", "1594f7b07616"),
    Patch("moto.logs.models:LogStream.put_log_events", "logs/operations.py",
          "streams kept in time order, indexed for slices", "b07b0d5ae328"),
    Patch("moto.logs.models:LogStream._send_log_events", "logs/operations.py",
          "subscription filters deliver only matching events", "28c8e81b695b"),
    Patch("moto.logs.models:LogStream._update", "logs/operations.py",
          "stream timestamps as AWS keeps them", "7b959d373188"),
    Patch("moto.logs.models:LogStream.get_log_events", "logs/operations.py",
          "GetLogEvents by bisection, endTime exclusive", "452dd48e5d2a"),
    Patch("moto.logs.models:LogGroup.get_log_events", "logs/operations.py",
          "a missing stream named as such", "99bc214c7efc"),
    Patch("moto.core.responses:BaseResponse.call_action", "logs/media_type.py",
          "Logs answers labelled application/x-amz-json-1.1 (wrapped for LogsResponse)",
          "26076963fd17"),
    Patch("moto.logs.models:LogsBackend.filter_log_events", "logs/operations.py",
          "FilterLogEvents with CloudWatch's whole pattern syntax", "717a24028e97"),
    Patch("moto.logs.models:LogsBackend.put_metric_filter", "logs/operations.py",
          "malformed patterns refused", "f289fb5a7b02"),
    Patch("moto.logs.models:LogsBackend.put_subscription_filter", "logs/operations.py",
          "malformed patterns refused", "fb9f70a87b8e"),
    Patch("moto.logs.models:LogStream._send_log_events", "logs/subscriptions.py",
          "a Lambda destination runs the real function", "28c8e81b695b"),
    Patch("moto.logs.models:LogsBackend.put_subscription_filter", "logs/subscriptions.py",
          "a Lambda destination needs CloudWatch Logs' permission", "fb9f70a87b8e"),
    Patch("moto.logs.responses:LogsResponse.filter_log_events", "logs/operations.py",
          "FilterLogEvents' answer and paging", "bcfea899647e"),
    Patch("moto.logs.responses:LogsResponse.put_log_events", "logs/operations.py",
          "PutLogEvents within AWS's size quotas", "2d545dab26fa"),
    Patch("moto.logs.models:EventMessageFilter", "logs/operations.py",
          "filter patterns as CloudWatch reads them", "81f8435c8b05"),
    Patch("moto.core.utils:utcnow", "persistence/clock.py",
          "clock readings journaled and replayed (and every module's own copy of it)", "7b8bb404c4f6"),
    Patch("moto.apigateway.models", "persistence/clock.py",
          "the module's `time` swapped, so its time.time() readings are journaled", "ab16b32079db"),
    Patch("moto.moto_api._internal.moto_random:MotoRandom", "persistence/draws.py",
          "random ids journaled and replayed (mock_random's class is swapped)", "22b9dfd0ef63"),
    Patch("moto.core.responses:method_names_from_class", "moto_tuning.py",
          "a response class's methods listed once, not per request", "9dbac89d082b"),
    Patch("moto.server:DomainDispatcherApplication.get_backend_for_host", "moto_tuning.py",
          "a host's backend found once, not per request", "1f41972c1e4e"),
    Patch("moto.apigateway.models:RestAPI.create_deployment", "apigateway/redeploy.py",
          "a redeploy to an existing stage keeps its settings and variables", "961e1a331835"),
    Patch("moto.iam.models:IAMBackend.get_roles", "awslambda/execution_role.py",
          "roles listed as a snapshot, safe while other threads create or delete roles",
          "7b79f83b6cf7"),
)


def fingerprint(target: str) -> str:
    """The fingerprint of moto's code at `target` as installed now ("missing" if it is gone)."""
    module_name, _, qualified = target.partition(":")
    try:
        found: object = importlib.import_module(module_name)
        for name in filter(None, qualified.split(".")):  # no name: the module itself
            found = getattr(found, name)
        source = inspect.getsource(found)  # type: ignore[arg-type]
    except (ImportError, AttributeError, TypeError, OSError):
        return "missing"
    return hashlib.sha256(source.encode()).hexdigest()[:FINGERPRINT_DIGITS]


def changed() -> list[str]:
    """One line per patch whose moto code is not what it was checked against."""
    import moto

    lines = []
    if moto.__version__ != MOTO_VERSION:
        lines.append(f"moto is {moto.__version__}, the patches were checked against "
                     f"{MOTO_VERSION}: look at each one again")
    for patch in PATCHES:
        now = fingerprint(patch.target)
        if now != patch.fingerprint:
            lines.append(f"{patch.target} ({patch.by}: {patch.why}) changed: "
                         f"{patch.fingerprint} -> {now}")
    return lines


if __name__ == "__main__":
    json.dump({patch.target: fingerprint(patch.target) for patch in PATCHES}, sys.stdout,
              indent=1)
    print()
