"""Handlers run inside bubblewrap (`bwrap`) where it is installed, seeing none of this machine's
files but the system's own.

Why (issue 16): a handler runs as the user who runs the console. Unisolated, it could read the
console's secret key (and forge sessions), /proc/<console>/environ (CONSOLE_PASSWORD), the
sandbox's journal and other functions' code. Under bwrap a worker sees, at AWS's own paths:

* /var/task: its function's code, read-only (LAMBDA_TASK_ROOT);
* /var/runtime: awslambdaric and the SDK, read-only (LAMBDA_RUNTIME_DIR); each entry of the
  sandbox's runtime directory is a link into the project's virtualenv, so its target is mounted
  in its place and the virtualenv itself stays out of sight;
* /tmp: an empty tmpfs of 512 MB, as AWS gives;
* /proc of a pid namespace of its own (no other process is visible), a minimal /dev;
* no capabilities, even when the sandbox runs as root;
* read-only: /usr, /bin, /lib*, the few /etc files DNS, TLS and locales need, the Python
  installation the sandbox runs on (sys.base_prefix), and node's installation when it lives
  outside /usr (a tarball under /opt, say; its libraries are the system's, `ldd` says);
* /var/node_modules: for Node.js, the SDK for JavaScript again, where ES modules in /var/task
  find it (filesystem.py says why).

Not the project, the sandbox's data directory, the user's home or other functions' code. The
network namespace is shared: the runtime reaches its Runtime API and the sandbox on loopback,
and the internet, as functions on AWS do.

SANDBOX_ISOLATION=0 turns this off. Without bwrap, or where it cannot run (user namespaces
disabled, say: one trial run at start tells), handlers run as before, with a warning; the
sandbox's health answer says which under "isolation".
"""
import functools
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from webapp.sandbox.awslambda.filesystem import NODE_MODULES
from webapp.sandbox.awslambda.runtime_bootstrap import AWS_RUNTIME_DIR, AWS_TASK_ROOT
from webapp.sandbox.awslambda.runtimes import interpreter, node_executable
from webapp.sandbox.config import OFF_WORDS

logger = logging.getLogger(__name__)

ISOLATION_VARIABLE = "SANDBOX_ISOLATION"
BWRAP = "bwrap"
TASK_ROOT = Path(AWS_TASK_ROOT)
RUNTIME_DIR = Path(AWS_RUNTIME_DIR)
TMP_SIZE_BYTES = 512 * 1024 * 1024
SYSTEM_DIRS = ("/usr",)
# Merged-/usr systems make these links into /usr; older ones have them as directories.
TOP_LEVEL_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What name resolution, TLS, the dynamic linker, time zones and user lookups read.
ETC_ENTRIES = ("resolv.conf", "hosts", "host.conf", "nsswitch.conf", "gai.conf", "services",
               "protocols", "passwd", "group", "localtime", "ld.so.cache", "ld.so.conf",
               "ld.so.conf.d", "ssl", "ca-certificates", "pki", "crypto-policies",
               "alternatives", "mime.types")
# Run as root, bwrap would leave the handler every capability (CAP_SYS_ADMIN, CAP_MKNOD, ...:
# enough to mount the host's disk): they are all dropped, whoever runs the sandbox.
SANDBOX_OPTIONS = ("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                   "--die-with-parent", "--new-session", "--cap-drop", "ALL")
# bwrap adds PWD to the environment it passes on; the worker's is exactly environment.py's.
WITHOUT_PWD = ("/usr/bin/env", "-u", "PWD")
PROBE_SECONDS = 10.0
NOT_FOUND = ("bwrap not found: install bubblewrap (apt-get install bubblewrap) so handlers "
             "cannot read your files")
TURNED_OFF = (f"turned off by {ISOLATION_VARIABLE}=0: handlers run as your user and can read "
              "your files")
ISOLATED = ("handlers run in bubblewrap: they see their own code, the runtime and the system's "
            "libraries, not your files")


@dataclass(frozen=True, slots=True)
class Isolation:
    """Whether handlers run in bwrap, and why not if not (for the health answer)."""

    bwrap: bool
    detail: str

    def to_json(self) -> dict[str, object]:
        """The health answer's "isolation" field."""
        return {"bwrap": self.bwrap, "detail": self.detail}


@functools.cache
def isolation() -> Isolation:
    """Whether workers start in bwrap: found, not turned off, and a trial run succeeded."""
    if os.environ.get(ISOLATION_VARIABLE, "").strip().lower() in OFF_WORDS:
        logger.info("Lambda handlers run unisolated: %s", TURNED_OFF)
        return Isolation(False, TURNED_OFF)
    if bwrap_executable() is None:
        logger.warning("Lambda handlers run unisolated: %s", NOT_FOUND)
        return Isolation(False, NOT_FOUND)
    failure = _trial_run()
    if failure is not None:
        detail = (f"bwrap cannot run here ({failure}): handlers run as your user and can "
                  "read your files")
        logger.warning("Lambda handlers run unisolated: %s", detail)
        return Isolation(False, detail)
    return Isolation(True, ISOLATED)


@functools.cache
def bwrap_executable() -> str | None:
    """Where bwrap is on the sandbox's PATH (workers' own PATH is AWS's, not the user's)."""
    return shutil.which(BWRAP)


def interpreter_path(interpreter: str) -> str:
    """The interpreter's real file: a virtualenv's python is a link the sandbox cannot see."""
    return os.path.realpath(interpreter)


def bwrap_command(runtime_command: list[str], task_root: Path, runtime_dir: Path,
                  info_fd: int, block_fd: int) -> list[str]:
    """bwrap running `runtime_command` (whose first word is `interpreter_path`'s answer) over
    `task_root` and `runtime_dir` at AWS's paths. bwrap writes its pid 1's pid to `info_fd`,
    then waits for a byte on `block_fd` before starting the runtime."""
    mounts = ["--ro-bind", str(task_root), str(TASK_ROOT)]
    for entry in sorted(runtime_dir.iterdir()):
        source = str(entry.resolve())
        mounts += ["--ro-bind", source, str(RUNTIME_DIR / entry.name)]
        if entry.name == NODE_MODULES and entry.is_dir():  # where ES modules' imports look
            mounts += ["--ro-bind", source, str(TASK_ROOT.parent / NODE_MODULES)]
    return [str(bwrap_executable()), *_system_options(), *mounts, "--chdir", str(TASK_ROOT),
            "--info-fd", str(info_fd), "--block-fd", str(block_fd),
            "--", *WITHOUT_PWD, *runtime_command]


@functools.cache
def _system_options() -> tuple[str, ...]:
    """What every worker sees: system files, the Python installation, /proc, /dev, /tmp (the
    same for every worker the sandbox starts, so worked out once)."""
    options: list[str] = []
    for directory in SYSTEM_DIRS:
        options += ["--ro-bind", directory, directory]
    for name in TOP_LEVEL_DIRS:
        path = Path(name)
        if path.is_symlink():
            options += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            options += ["--ro-bind", name, name]
    for name in ETC_ENTRIES:
        options += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for prefix in sorted({sys.base_prefix, sys.base_exec_prefix, *_node_prefix()}):
        if not any(Path(prefix).is_relative_to(directory) for directory in SYSTEM_DIRS):
            options += ["--ro-bind", prefix, prefix]
    options += ["--proc", "/proc", "--dev", "/dev",
                "--size", str(TMP_SIZE_BYTES), "--tmpfs", "/tmp", *SANDBOX_OPTIONS]
    return tuple(options)


def _node_prefix() -> tuple[str, ...]:
    """The installation node runs from (the folder above its bin/), if installed."""
    node = node_executable()
    if node is None:
        return ()
    return (str(Path(interpreter_path(node)).parent.parent),)


def _trial_run() -> str | None:
    """Run the interpreter in bwrap as workers will; None if it ran, else what went wrong."""
    command = [str(bwrap_executable()), *_system_options(), "--", *WITHOUT_PWD,
               interpreter_path(interpreter()), "-S", "-c", ""]
    try:
        finished = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=PROBE_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return str(err)
    if finished.returncode == 0:
        return None
    output = finished.stderr.decode(errors="replace").strip().splitlines()
    return output[-1] if output else f"exit status {finished.returncode}"
