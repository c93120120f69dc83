"""Sandbox settings: the command line, SANDBOX_PORT and AWS_REGION, and the environment it runs in.

The sandbox is its own process and reads its own few variables here; it never reads the
console's settings.
"""
import argparse
import ipaddress
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# moto's default account, which every access key maps to (MOTO_ACCOUNT_ID is not passed on).
ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "ap-northeast-2"
DEFAULT_PORT = 4566
DEFAULT_HOST = "127.0.0.1"
MAX_PORT = 65535
# How long a Lambda worker may sit idle before it is stopped (AWS keeps them minutes, too).
DEFAULT_LAMBDA_IDLE_SECONDS = 300.0
# How long a new DynamoDB table reports CREATING before ACTIVE (0: ACTIVE at once, as moto does).
DEFAULT_TABLE_CREATING_SECONDS = 1.0
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Where the state is kept between runs unless SANDBOX_DATA_DIR says otherwise (git-ignored).
DEFAULT_DATA_DIR = PROJECT_ROOT / ".sandbox-data"
# The AWS SDK for JavaScript v3 that Node.js handlers find without bundling it, as AWS's runtimes
# provide it in /var/runtime/node_modules: `make` installs it here from node_runtime's lock file.
DEFAULT_NODE_MODULES = PROJECT_ROOT / ".node-runtime" / "node_modules"
# The console's session cookie: browsers send it to every port of the host, stages included.
DEFAULT_PRIVATE_COOKIES = frozenset({"console_session"})
OFF_WORDS = frozenset({"0", "false", "no", "off"})
ON_WORDS = frozenset({"1", "true", "yes", "on"})

# A process needs these to run (and a locale); anything else, such as a developer's AWS keys or
# the console's secrets, stays out of the sandbox and of whatever it starts.
KEPT_VARIABLES = frozenset({
    "PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT",
    "VIRTUAL_ENV", "PYTHONPATH", "PYTHONUNBUFFERED",
})
KEPT_PREFIXES = ("LC_", "SANDBOX_")


class ConfigError(ValueError):
    """A setting the sandbox cannot run with; the message is one line for the terminal."""


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """How this sandbox process listens and which region it answers for by default."""

    host: str
    port: int
    region: str
    parent_pid: int | None
    verbose: bool
    lambda_idle_seconds: float = DEFAULT_LAMBDA_IDLE_SECONDS
    table_creating_seconds: float = DEFAULT_TABLE_CREATING_SECONDS
    persist: bool = False
    data_dir: Path = DEFAULT_DATA_DIR
    # Host names served besides loopback (SANDBOX_ALLOWED_HOSTS), and the cookies no handler
    # sees (SANDBOX_PRIVATE_COOKIES, the console's session cookie by default).
    allowed_hosts: frozenset[str] = frozenset()
    private_cookies: frozenset[str] = DEFAULT_PRIVATE_COOKIES
    # Where Node.js workers find the SDK (SANDBOX_NODE_MODULES); it may be missing when npm was.
    node_modules: Path = DEFAULT_NODE_MODULES


def parse_config(argv: Sequence[str], environ: Mapping[str, str]) -> SandboxConfig:
    """Settings from the command line, falling back to SANDBOX_PORT and AWS_REGION."""
    parser = argparse.ArgumentParser(
        prog="python -m webapp.sandbox",
        description="Serve an AWS-compatible endpoint (moto) on loopback.",
    )
    parser.add_argument("--port", type=int, default=None,
                        help=f"port to listen on (default: $SANDBOX_PORT, else {DEFAULT_PORT})")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"loopback address to listen on (default: {DEFAULT_HOST})")
    parser.add_argument("--parent-pid", type=int, default=None,
                        help="stop when this process no longer exists")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument("--lambda-idle-seconds", type=float, default=None,
                        help="stop Lambda workers idle this long (default: "
                             f"$SANDBOX_LAMBDA_IDLE_SECONDS, else {DEFAULT_LAMBDA_IDLE_SECONDS:g})")
    args = parser.parse_args(argv)
    return SandboxConfig(
        host=loopback_host(args.host),
        port=checked_port(args.port if args.port is not None else _port_from(environ)),
        region=environ.get("AWS_REGION") or DEFAULT_REGION,
        parent_pid=_checked_pid(args.parent_pid),
        verbose=args.verbose,
        lambda_idle_seconds=_idle_seconds(args.lambda_idle_seconds, environ),
        table_creating_seconds=_table_creating_seconds(environ),
        persist=_persist(environ),
        data_dir=Path(environ.get("SANDBOX_DATA_DIR", "").strip() or DEFAULT_DATA_DIR).resolve(),
        allowed_hosts=_names(environ.get("SANDBOX_ALLOWED_HOSTS", ""), lower=True),
        private_cookies=_names(environ.get("SANDBOX_PRIVATE_COOKIES", ""))
        or DEFAULT_PRIVATE_COOKIES,
        node_modules=_node_modules(environ),
    )


def loopback_host(host: str) -> str:
    """The host as an address to bind, refused unless it is loopback."""
    if host == "localhost":
        return DEFAULT_HOST
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        # Any access key is the account's administrator here, so only this machine may connect.
        raise ConfigError(f"refusing to listen on {host}: the sandbox trusts every caller, "
                          "so it only listens on loopback (127.0.0.1 or ::1)")
    return str(address)


def checked_port(port: int) -> int:
    """The port, if it is one a socket can bind (0 picks a free one)."""
    if not 0 <= port <= MAX_PORT:
        raise ConfigError(f"port {port} is out of range (0-{MAX_PORT}, 0 picks a free one)")
    return port


def sandbox_environment(inherited: Mapping[str, str], region: str) -> dict[str, str]:
    """The environment the sandbox runs with: the few kept variables plus its own settings."""
    kept = {name: value for name, value in inherited.items()
            if name in KEPT_VARIABLES or name.startswith(KEPT_PREFIXES)}
    return kept | {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        # Anything in here that builds a boto3 client must find dummy keys, never a real profile.
        "AWS_ACCESS_KEY_ID": "sandbox",
        "AWS_SECRET_ACCESS_KEY": "sandbox",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        # moto creates AWS-managed policies only when this is set as its IAM backend is built.
        "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
        # moto would answer every origin's scripts; the AWS API is not for browsers.
        "MOTO_DISABLE_GLOBAL_CORS": "true",
    }


def _names(value: str, lower: bool = False) -> frozenset[str]:
    """A list setting: names separated by commas or spaces."""
    names = (part.strip() for part in value.replace(",", " ").split())
    return frozenset(name.lower() if lower else name for name in names if name)


def _port_from(environ: Mapping[str, str]) -> int:
    value = environ.get("SANDBOX_PORT", "").strip()
    if not value:
        return DEFAULT_PORT
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"SANDBOX_PORT={value!r} is not a port number") from None


def _idle_seconds(flag: float | None, environ: Mapping[str, str]) -> float:
    value: float | str | None = flag
    if value is None:
        value = environ.get("SANDBOX_LAMBDA_IDLE_SECONDS", "").strip() or DEFAULT_LAMBDA_IDLE_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        raise ConfigError(f"SANDBOX_LAMBDA_IDLE_SECONDS={value!r} is not a number") from None
    if not seconds > 0:
        raise ConfigError(f"the Lambda idle timeout must be positive, not {seconds:g} s")
    return seconds


def _table_creating_seconds(environ: Mapping[str, str]) -> float:
    value = environ.get("SANDBOX_TABLE_CREATING_SECONDS", "").strip()
    if not value:
        return DEFAULT_TABLE_CREATING_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        raise ConfigError(f"SANDBOX_TABLE_CREATING_SECONDS={value!r} is not a number") from None
    if not seconds >= 0:
        raise ConfigError(f"SANDBOX_TABLE_CREATING_SECONDS must be 0 or more, not {value}")
    return seconds


def _persist(environ: Mapping[str, str]) -> bool:
    value = environ.get("SANDBOX_PERSIST", "").strip().lower()
    if not value or value in ON_WORDS:
        return True
    if value in OFF_WORDS:
        return False
    raise ConfigError(f"SANDBOX_PERSIST={value!r} is not 1 or 0 (keep the state, or not)")


def _node_modules(environ: Mapping[str, str]) -> Path:
    value = environ.get("SANDBOX_NODE_MODULES", "").strip()
    if not value:
        return DEFAULT_NODE_MODULES
    # Only a folder named on purpose must exist: without the default one (no npm when `make`
    # ran) Python functions still run and Node.js handlers miss only the SDK.
    folder = Path(value).resolve()
    if not folder.is_dir():
        raise ConfigError(f"SANDBOX_NODE_MODULES={value!r} is not a folder (the node_modules "
                          "folder holding the AWS SDK for JavaScript)")
    return folder


def _checked_pid(pid: int | None) -> int | None:
    if pid is not None and pid <= 0:
        raise ConfigError(f"--parent-pid {pid} is not a process id")
    return pid
