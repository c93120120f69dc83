"""Whose process is at the other end of a loopback connection: one of a worker's, or another.

Workers share the machine's network (functions on AWS reach the internet too), so any handler
can list the loopback ports in /proc/net/tcp and connect to another worker's Runtime API: a GET
/next there would hand it that function's next event, and a POST would answer in its name. The
Runtime API carries no token (AWS_LAMBDA_RUNTIME_API is only host:port), so the server asks the
kernel instead: it finds the peer's socket by its address pair in /proc/net/tcp and takes the
connection only if a process of the worker's own tree holds that socket (/proc/<pid>/fd). The
sandbox's own API asks the same question to tell a handler's requests from everyone else's
(caller_guard.py).

Linux only: where /proc/net/tcp does not exist, every connection is taken, as before.
"""
import os
import socket
import struct
from collections.abc import Iterator
from pathlib import Path

PROC = Path("/proc")
TCP_TABLE = PROC / "net" / "tcp"
TCP6_TABLE = PROC / "net" / "tcp6"
# Columns of /proc/net/tcp: "sl local_address rem_address st ... uid timeout inode".
LOCAL_COLUMN, REMOTE_COLUMN, INODE_COLUMN = 1, 2, 9


def can_tell() -> bool:
    """Whether this system shows sockets and their owners (Linux's /proc)."""
    return TCP_TABLE.exists()


def held_by_tree(root_pid: int, peer: tuple[str, int], local: tuple[str, int]) -> bool:
    """Whether the socket at `peer`, connected to our `local` address, is held by `root_pid`
    or one of its descendants."""
    inode = socket_inode(peer, local)
    return inode is not None and tree_holds(root_pid, inode)


def tree_holds(root_pid: int, inode: int) -> bool:
    """Whether `root_pid` or one of its descendants holds the socket with this inode."""
    target = f"socket:[{inode}]"
    return any(_holds(pid, target) for pid in process_tree(root_pid))


def socket_inode(local: tuple[str, int], remote: tuple[str, int]) -> int | None:
    """The inode of the TCP socket bound to `local` and connected to `remote` (IPv4 or IPv6)."""
    version6 = ":" in local[0]
    wanted = (_hex_address(*local), _hex_address(*remote))
    try:
        lines = (TCP6_TABLE if version6 else TCP_TABLE).read_text().splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) > INODE_COLUMN and (fields[LOCAL_COLUMN], fields[REMOTE_COLUMN]) == wanted:
            return int(fields[INODE_COLUMN])
    return None


def process_tree(root_pid: int) -> Iterator[int]:
    """`root_pid` and every process descended from it, as /proc lists their children."""
    pending = [root_pid]
    while pending:
        pid = pending.pop()
        yield pid
        try:
            tasks = os.listdir(PROC / str(pid) / "task")
        except OSError:
            continue
        for task in tasks:
            try:
                pending.extend(int(child) for child in
                               (PROC / str(pid) / "task" / task / "children").read_text().split())
            except OSError:
                continue


def _holds(pid: int, target: str) -> bool:
    directory = PROC / str(pid) / "fd"
    try:
        descriptors = os.listdir(directory)
    except OSError:
        return False
    for descriptor in descriptors:
        try:
            if os.readlink(directory / descriptor) == target:
                return True
        except OSError:
            continue
    return False


def _hex_address(host: str, port: int) -> str:
    """An address as /proc/net/tcp{,6} prints it: its 32-bit words in host byte order, then
    the port."""
    if ":" in host:
        words = struct.unpack("=4I", socket.inet_pton(socket.AF_INET6, host.strip("[]")))
        return "".join(f"{word:08X}" for word in words) + f":{port:04X}"
    (number,) = struct.unpack("=I", socket.inet_aton(host))
    return f"{number:08X}:{port:04X}"
