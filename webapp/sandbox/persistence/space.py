"""Room in the journal's file, reserved before a change runs so its line can be written after.

fallocate(2) with FALLOC_FL_KEEP_SIZE gives a file blocks past its end without changing its
size: a later append fills blocks the file already owns, so it cannot run out of space, and a
full disk (or quota) refuses the reservation, before the change is made, rather than the write
after it. ext4, xfs, btrfs and tmpfs take it (tmpfs was checked: a 64 KiB reservation made
before the disk filled up was still written whole after it had). A failed reservation
allocates nothing.

Elsewhere (macOS, a file system that answers EOPNOTSUPP) nothing can be reserved: `reserve`
says so, and the keeper's rollback after a failed write is then the only guard.
"""
import ctypes
import errno
import os
import sys
from collections.abc import Callable

FALLOC_FL_KEEP_SIZE = 0x01
# errno values saying the file system or platform cannot reserve, rather than that it is full.
CANNOT_RESERVE = frozenset({errno.EOPNOTSUPP, errno.ENOSYS, errno.ENODEV})

Fallocate = Callable[[int, int, int, int], int]


def _load_fallocate() -> Fallocate | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).fallocate
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    function.restype = ctypes.c_int
    return function


_fallocate = _load_fallocate()


def reserve(fd: int, offset: int, length: int) -> bool:
    """Allocate `length` bytes of the file from `offset` without changing its size.

    True when reserved; False when this system cannot reserve (nothing is promised then);
    OSError (ENOSPC, EDQUOT, EIO, ...) when it could, but there is no room.
    """
    if _fallocate is None:
        return False
    if length <= 0 or _fallocate(fd, FALLOC_FL_KEEP_SIZE, offset, length) == 0:
        return True
    code = ctypes.get_errno()
    if code in CANNOT_RESERVE:
        return False
    raise OSError(code, os.strerror(code))
