"""Temporary credentials for execution roles, minted the way Lambda gets them, and their registry.

The keys are issued through moto's STS backend (in process, not over HTTP) so that moto knows them
as an assumed role: `sts:GetCallerIdentity` then answers `arn:aws:sts::ACCOUNT:assumed-role/ROLE/
SESSION` and moto files requests signed with them under the right account. The registry here is
what makes them different from every other key: the guard looks each request's access key up in
it, and only keys found there are held to their role's policies.
"""
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from moto.sts.models import sts_backends

from webapp.sandbox.authz.roles import find_role, partition_of

logger = logging.getLogger(__name__)

# Lambda hands an execution environment keys that outlive any invocation; 12 hours is STS's
# default session length, so a warm worker keeps its keys for a working day.
DEFAULT_SESSION_DURATION = timedelta(hours=12)


class RoleNotFoundError(LookupError):
    """The role to mint credentials for does not exist (IAM's NoSuchEntity)."""


@dataclass(frozen=True, slots=True)
class RoleCredentials:
    """Temporary keys for an execution role, as Lambda puts them in AWS_* variables."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime


@dataclass(frozen=True, slots=True)
class RoleSession:
    """Who minted keys speak for: one session of one role, fixed when the keys were issued."""

    credentials: RoleCredentials
    account_id: str
    partition: str
    role_arn: str
    role_id: str
    session_name: str
    issued_at: datetime
    source_function_arn: str | None = None

    @property
    def role_name(self) -> str:
        """The role's name, without its path."""
        return self.role_arn.rsplit("/", 1)[-1]

    @property
    def principal_arn(self) -> str:
        """The assumed-role ARN AWS names in GetCallerIdentity and in AccessDenied messages."""
        return (f"arn:{self.partition}:sts::{self.account_id}:assumed-role/"
                f"{self.role_name}/{self.session_name}")

    @property
    def user_id(self) -> str:
        """aws:userid of a role session: the role's unique id, a colon, the session name."""
        return f"{self.role_id}:{self.session_name}"

    def has_expired(self, now: datetime) -> bool:
        """Whether the keys are past their expiration at `now` (timezone-aware)."""
        return now >= self.credentials.expiration


class SessionRegistry:
    """Minted sessions by access key id; lookups take no lock (a dict read is atomic)."""

    def __init__(self) -> None:
        self._sessions: dict[str, RoleSession] = {}
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self._sessions)

    def __len__(self) -> int:
        return len(self._sessions)

    def add(self, session: RoleSession) -> None:
        """Remember a session under its access key id."""
        with self._lock:
            self._sessions[session.credentials.access_key_id] = session

    def get(self, access_key_id: str) -> RoleSession | None:
        """The session these keys belong to, or None for keys the sandbox did not mint."""
        return self._sessions.get(access_key_id)


SESSIONS = SessionRegistry()


def mint_session(account_id: str, role_arn: str, session_name: str, *,
                 duration: timedelta = DEFAULT_SESSION_DURATION,
                 source_function_arn: str | None = None,
                 registry: SessionRegistry = SESSIONS) -> RoleSession:
    """Issue and register keys for `role_arn` as `session_name`; RoleNotFoundError if absent."""
    if not session_name:
        raise ValueError("a session name is required (Lambda uses the function name)")
    if duration <= timedelta(0):
        raise ValueError("the session duration must be positive")
    role = find_role(account_id, role_arn)
    if role is None:
        raise RoleNotFoundError(f"The role with name {role_arn.rsplit('/', 1)[-1]} cannot be "
                                "found.")
    partition = partition_of(role_arn)
    issued_at = datetime.now(timezone.utc)
    # moto keys its STS backends by partition; assume_role only reads a partition from the
    # "region" it is given. It does not check the trust policy, which suits us: Lambda, not the
    # caller, is the principal the role trusts.
    assumed = sts_backends[account_id][partition].assume_role(
        region_name=partition, role_session_name=session_name, role_arn=role.arn, policy=None,
        duration=int(duration.total_seconds()), external_id=None)
    credentials = RoleCredentials(access_key_id=assumed.access_key_id,
                                  secret_access_key=assumed.secret_access_key,
                                  session_token=assumed.session_token,
                                  expiration=issued_at + duration)
    session = RoleSession(credentials=credentials, account_id=account_id, partition=partition,
                          role_arn=role.arn, role_id=role.id, session_name=session_name,
                          issued_at=issued_at, source_function_arn=source_function_arn)
    registry.add(session)
    logger.info("minted credentials for %s", session.principal_arn)
    return session
