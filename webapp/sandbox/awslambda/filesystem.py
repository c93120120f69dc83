"""Where workers run: LAMBDA_RUNTIME_DIR with the runtime's packages, and one code root per version.

The runtime directory holds links to the sandbox's own copies of awslambdaric and the AWS SDK
(boto3 and its dependencies), nothing else. Workers start with `python -S`, so the sandbox's
site-packages (moto, Flask, ...) stay invisible and code that would fail on AWS for a missing
package fails here too, while boto3 imports without being bundled, as on AWS.

For Node.js it also holds the sandbox's bootstrap.mjs and, as AWS's /var/runtime/node_modules,
a link to the SDK for JavaScript v3 folder (SANDBOX_NODE_MODULES, else .node-runtime/node_modules,
when installed). CommonJS `require` finds the SDK there through NODE_PATH; ES modules' `import`
ignores NODE_PATH and looks only in node_modules folders up from the importing file, so the same
folder is also linked as node_modules beside the code roots: /var/task's parent in bubblewrap
(isolation.py mounts it at /var/node_modules), the scratch `task` folder outside it. A package's
own node_modules, in the code root, is found first, as on AWS.
"""
import importlib.util
import io
import os
import re
import shutil
import tempfile
import threading
import zipfile
from hashlib import sha256
from pathlib import Path

from webapp.sandbox.awslambda import runtime_bootstrap
from webapp.sandbox.awslambda.functions import FunctionVersion
from webapp.sandbox.awslambda.package_limits import copy_within_limit
from webapp.sandbox.lifecycle import process_exists

# Top-level modules the AWS Python runtime provides: the runtime interface client, its native
# client and JSON library, and the SDK with its dependencies.
RUNTIME_MODULES = ("awslambdaric", "runtime_client", "simplejson", "boto3", "botocore",
                   "s3transfer", "jmespath", "dateutil", "six", "urllib3")
# Present in the runtime when installed, not needed to run (SnapStart hooks, CA bundle).
OPTIONAL_RUNTIME_MODULES = ("snapshot_restore_py", "certifi")
# The sandbox's own entry point for workers, run as `python -m` from the runtime directory.
BOOTSTRAP_MODULE = runtime_bootstrap.__name__.rpartition(".")[2]
# The Node.js runtime interface client the sandbox runs for nodejs functions.
NODE_BOOTSTRAP = Path(__file__).resolve().parent / "node_runtime" / "bootstrap.mjs"
# Loaded by the bootstrap from beside it: points an SDK v2 a package brings at the sandbox.
NODE_SDK_V2_PRELOAD = NODE_BOOTSTRAP.with_name("sdk_v2_endpoint.cjs")
# The runtime's SDK for JavaScript, in the runtime directory and beside the code roots.
NODE_MODULES = "node_modules"
# Scratch directories are named sandbox-lambda-<pid>-<random>.
SCRATCH_PREFIX = "sandbox-lambda-"
SCRATCH_NAME = re.compile(rf"{SCRATCH_PREFIX}(?P<pid>\d+)-\w+")
# Permission bits of a zip entry live in the high half of external_attr (Unix zips only).
ZIP_MODE_SHIFT = 16
MODE_BITS = 0o777


class RuntimeFiles:
    """The sandbox's scratch space for Lambda: the runtime directory and unzipped code."""

    def __init__(self, node_modules: Path | None = None) -> None:
        """`node_modules`: the SDK for JavaScript that Node.js handlers get, if installed."""
        remove_abandoned(Path(tempfile.gettempdir()))
        self.root = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
        self.runtime_dir = self.root / "runtime"
        self._tasks_dir = self.root / "task"
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        link_runtime_modules(self.runtime_dir)
        self._tasks_dir.mkdir()
        if node_modules is not None and node_modules.is_dir():
            (self.runtime_dir / NODE_MODULES).symlink_to(node_modules.resolve())
            (self._tasks_dir / NODE_MODULES).symlink_to(node_modules.resolve())

    def task_root(self, function: FunctionVersion) -> Path:
        """The directory holding `function`'s unzipped code, unzipping it the first time."""
        target = self._tasks_dir / _task_dir_name(function)
        if target.is_dir():
            return target
        with self._lock_for(target.name):
            if not target.is_dir():
                unzip(function.code, target)
        return target

    def discard(self, function: FunctionVersion) -> None:
        """Remove `function`'s code root once no worker uses it."""
        shutil.rmtree(self._tasks_dir / _task_dir_name(function), ignore_errors=True)

    def remove(self) -> None:
        """Delete everything (the sandbox is stopping)."""
        shutil.rmtree(self.root, ignore_errors=True)

    def _lock_for(self, name: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(name, threading.Lock())


def link_runtime_modules(runtime_dir: Path) -> None:
    """Fill `runtime_dir` with links to the runtime's modules as this interpreter finds them."""
    runtime_dir.mkdir(parents=True)
    for name in RUNTIME_MODULES + OPTIONAL_RUNTIME_MODULES:
        location = _module_location(name)
        if location is None:
            if name in RUNTIME_MODULES:
                raise RuntimeError(f"{name} is not installed: pip install -r requirements.txt")
            continue
        (runtime_dir / location.name).symlink_to(location)
    (runtime_dir / f"{BOOTSTRAP_MODULE}.py").symlink_to(Path(runtime_bootstrap.__file__))
    (runtime_dir / NODE_BOOTSTRAP.name).symlink_to(NODE_BOOTSTRAP)
    (runtime_dir / NODE_SDK_V2_PRELOAD.name).symlink_to(NODE_SDK_V2_PRELOAD)


def remove_abandoned(temp_dir: Path) -> None:
    """Delete scratch directories of sandboxes that died without cleaning up (kill -9)."""
    for path in temp_dir.glob(f"{SCRATCH_PREFIX}*"):
        match = SCRATCH_NAME.fullmatch(path.name)
        if match and not process_exists(int(match["pid"])):
            shutil.rmtree(path, ignore_errors=True)


def unzip(code: bytes, target: Path) -> None:
    """Unpack a deployment package into `target`, created whole or not at all.

    The bytes really written are counted against Lambda's unzipped quota, whatever the zip's
    headers declare: past it, UnzippedSizeExceeded (a BadZipFile) and nothing is kept. Paths
    the file system cannot hold (names too long, nested too deep, `x` and `x/` both) are a
    BadZipFile too: the package is what is wrong, not the sandbox.
    """
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    written = 0
    entry_name = ""
    try:
        with zipfile.ZipFile(io.BytesIO(code)) as archive:
            for entry in archive.infolist():
                entry_name = entry.filename
                # As extract() does: absolute paths, "." and ".." are dropped, so nothing
                # lands outside the root.
                parts = [part for part in entry.filename.split("/") if part not in ("", ".", "..")]
                if not parts:
                    continue
                path = staging.joinpath(*parts)
                if entry.is_dir():
                    path.mkdir(parents=True, exist_ok=True)
                    continue
                path.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(entry) as source, path.open("wb") as sink:
                    written = copy_within_limit(source, sink, written)
                mode = (entry.external_attr >> ZIP_MODE_SHIFT) & MODE_BITS
                if mode:
                    path.chmod(mode | 0o400)
        os.replace(staging, target)
    except OSError as err:
        shutil.rmtree(staging, ignore_errors=True)
        raise zipfile.BadZipFile(f"cannot unpack {entry_name[:200]!r}: "
                                 f"{err.strerror or type(err).__name__}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _module_location(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(spec.origin) if spec.origin else None


def _task_dir_name(function: FunctionVersion) -> str:
    digest = sha256(repr(function.code_identity).encode()).hexdigest()[:16]
    return f"{function.function_name}-{digest}"
