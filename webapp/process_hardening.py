"""Keep other processes of the same user out of the console's memory and environment.

Found in issue 16: any process running as the console's user (a Lambda handler run unisolated,
say) could read /proc/<console>/environ, CONSOLE_PASSWORD included. A process that is not
"dumpable" has its /proc/<pid> files owned by root, so they cannot: environ, mem, maps and
ptrace are refused to the rest of the user's processes. Linux only (prctl); elsewhere a no-op.
A child starts dumpable again at exec, so the sandbox process is not affected.
"""
import ctypes
import ctypes.util
import logging
import sys

logger = logging.getLogger(__name__)

# From <linux/prctl.h>.
PR_SET_DUMPABLE = 4
NOT_DUMPABLE = 0


def forbid_inspection() -> bool:
    """Make this process non-dumpable; True if it now is (False off Linux or on failure)."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, NOT_DUMPABLE, 0, 0, 0) != 0:
        logger.warning("cannot hide the console's environment from other processes: errno %d",
                       ctypes.get_errno())
        return False
    return True
