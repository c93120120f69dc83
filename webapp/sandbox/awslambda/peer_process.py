"""Whose process is at the other end of a loopback connection: one of a worker's, or another.

Workers share the machine's network (functions on AWS reach the internet too), so any handler
can list the loopback ports in /proc/net/tcp and connect to another worker's Runtime API: a GET
/next there would hand it that function's next event, and a POST would answer in its name. The
Runtime API carries no token (AWS_LAMBDA_RUNTIME_API is only host:port), so the server asks the
kernel instead: it finds the peer's socket by its address pair (sock_diag) and takes the
connection only if a process of the worker's own tree holds that socket (/proc/<pid>/fd). The
sandbox's own API asks the same question to tell a handler's requests from everyone else's
(caller_guard.py).

Linux only: elsewhere every connection is taken, as before.
"""
import os
import socket
import struct
from collections.abc import Iterator
from pathlib import Path

PROC = Path("/proc")
SOCKET_PREFIX = "socket:["
# sock_diag (linux/sock_diag.h, linux/inet_diag.h): one inet_diag_req_v2 for an exact socket,
# answered by one inet_diag_msg whose idiag_inode follows family..retrans (4 bytes), the
# socket id (48), expires, rqueue, wqueue and uid (16), after the netlink header (16).
NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST = 1
NLMSG_HEADER = 16
ALL_STATES = 0xFFFFFFFF
ANY_INTERFACE = 0
NO_COOKIE = 0xFFFFFFFF
DIAG_ADDRESS_BYTES = 16
INODE_OFFSET = NLMSG_HEADER + 4 + 48 + 16
DIAG_ANSWER_BYTES = 4096
DIAG_TIMEOUT_SECONDS = 1.0


def can_tell() -> bool:
    """Whether this system shows sockets and their owners (Linux's /proc and sock_diag)."""
    return hasattr(socket, "AF_NETLINK") and (PROC / "self" / "fd").is_dir()


def held_by_tree(root_pid: int, peer: tuple[str, int], local: tuple[str, int]) -> bool:
    """Whether the socket at `peer`, connected to our `local` address, is held by `root_pid`
    or one of its descendants."""
    inode = socket_inode(peer, local)
    return inode is not None and tree_holds(root_pid, inode)


def tree_holds(root_pid: int, inode: int) -> bool:
    """Whether `root_pid` or one of its descendants holds the socket with this inode."""
    return inode in socket_inodes(root_pid)


def socket_inode(local: tuple[str, int], remote: tuple[str, int]) -> int | None:
    """The inode of the TCP socket bound to `local` and connected to `remote` (IPv4 or IPv6),
    asked of the kernel's sock_diag for that one socket (microseconds, where reading
    /proc/net/tcp costs milliseconds once connections in TIME_WAIT pile up)."""
    family = socket.AF_INET6 if ":" in local[0] else socket.AF_INET
    try:
        socket_id = (struct.pack("!HH", local[1], remote[1]) + _diag_address(family, local[0])
                     + _diag_address(family, remote[0])
                     + struct.pack("=III", ANY_INTERFACE, NO_COOKIE, NO_COOKIE))
    except OSError:
        return None
    request = struct.pack("=BBBBI", family, socket.IPPROTO_TCP, 0, 0, ALL_STATES) + socket_id
    message = struct.pack("=IHHII", NLMSG_HEADER + len(request), SOCK_DIAG_BY_FAMILY,
                          NLM_F_REQUEST, 1, 0) + request
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG) as diag:
            diag.settimeout(DIAG_TIMEOUT_SECONDS)
            diag.send(message)
            answer = diag.recv(DIAG_ANSWER_BYTES)
    except OSError:
        return None
    if len(answer) < INODE_OFFSET + 4 or struct.unpack_from("=H", answer, 4)[0] != (
            SOCK_DIAG_BY_FAMILY):
        return None  # NLMSG_ERROR: no such socket
    (inode,) = struct.unpack_from("=I", answer, INODE_OFFSET)
    return inode


def _diag_address(family: int, host: str) -> bytes:
    raw = socket.inet_pton(family, host.strip("[]"))
    return raw.ljust(DIAG_ADDRESS_BYTES, b"\0")


def socket_inodes(root_pid: int) -> set[int]:
    """The inodes of every socket `root_pid` and its descendants hold.

    Asked of every live worker's tree for each request a worker might have made, so it works on
    plain strings and directory descriptors: building a pathlib path per descriptor took as
    long as reading the link itself."""
    inodes: set[int] = set()
    for pid in process_tree(root_pid):
        try:
            directory = os.open(f"{PROC}/{pid}/fd", os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        try:
            for descriptor in os.listdir(directory):
                try:
                    target = os.readlink(descriptor, dir_fd=directory)
                except OSError:
                    continue
                if target.startswith(SOCKET_PREFIX):
                    inodes.add(int(target[len(SOCKET_PREFIX):-1]))
        except OSError:
            continue
        finally:
            os.close(directory)
    return inodes


def process_tree(root_pid: int) -> Iterator[int]:
    """`root_pid` and every process descended from it, as /proc lists their children."""
    pending = [root_pid]
    while pending:
        pid = pending.pop()
        yield pid
        tasks_path = f"{PROC}/{pid}/task"
        try:
            tasks = os.listdir(tasks_path)
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"{tasks_path}/{task}/children", encoding="ascii") as children:
                    pending.extend(int(child) for child in children.read().split())
            except OSError:
                continue
