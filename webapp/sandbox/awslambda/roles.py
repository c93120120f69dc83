"""The execution role, through the authz contract: its temporary keys and what it may do.

`webapp.sandbox.authz` (built alongside) provides `mint_role_credentials` and `is_allowed`. Until
it exists this falls back to keys issued by moto's STS backend and allows everything, so the
runtime works either way; `authz_available()` tells which one is in use.
"""
import importlib
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Protocol

from moto.sts.models import sts_backends

logger = logging.getLogger(__name__)

AUTHZ_MODULE = "webapp.sandbox.authz"
PARTITION = "aws"
# What moto's AssumeRole grants by default; workers live at most the idle timeout past use.
SESSION_SECONDS = 3600


class Credentials(Protocol):
    """The fields of authz's RoleCredentials that a worker needs."""

    @property
    def access_key_id(self) -> str: ...
    @property
    def secret_access_key(self) -> str: ...
    @property
    def session_token(self) -> str: ...
    @property
    def expiration(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class FallbackCredentials:
    """Keys from moto's STS when authz is not there: same fields as authz's RoleCredentials."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime


class RoleNotAssumable(Exception):
    """The function's execution role no longer exists."""


_lock = threading.Lock()
_authz: ModuleType | None = None
_looked_up = False


def authz_available() -> bool:
    """Whether the real authz module answers (else keys come from moto and all is allowed)."""
    return _authz_module() is not None


def role_credentials(account_id: str, region: str, role_arn: str,
                     session_name: str) -> Credentials:
    """Temporary keys for `role_arn`, session named after the function as Lambda does."""
    authz = _authz_module()
    if authz is not None:
        try:
            return authz.mint_role_credentials(account_id, role_arn, session_name)
        except LookupError as err:  # authz's RoleNotFoundError: the role was deleted
            raise RoleNotAssumable(role_arn) from err
    assumed = sts_backends[account_id][PARTITION].assume_role(
        region_name=region, role_session_name=session_name, role_arn=role_arn,
        policy="", duration=SESSION_SECONDS, external_id="")
    return FallbackCredentials(access_key_id=assumed.access_key_id,
                               secret_access_key=assumed.secret_access_key,
                               session_token=assumed.session_token,
                               expiration=assumed.expiration)


def is_allowed(account_id: str, role_arn: str, action: str, resource: str) -> bool:
    """Whether the role's identity policies allow `action` on `resource` (always, without authz)."""
    authz = _authz_module()
    if authz is None:
        return True
    return bool(authz.is_allowed(account_id, role_arn, action, resource))


def _authz_module() -> ModuleType | None:
    global _authz, _looked_up
    if _looked_up:
        return _authz
    with _lock:
        if not _looked_up:
            _authz = _import_authz()
            _looked_up = True
    return _authz


def _import_authz() -> ModuleType | None:
    # Imported late and only once: authz is developed in parallel and may not exist yet.
    try:
        module = importlib.import_module(AUTHZ_MODULE)
    except ModuleNotFoundError as err:
        if err.name != AUTHZ_MODULE:
            raise
        logger.info("%s not found: execution roles get moto's keys and may write logs",
                    AUTHZ_MODULE)
        return None
    if not all(hasattr(module, name) for name in ("mint_role_credentials", "is_allowed")):
        logger.warning("%s lacks mint_role_credentials/is_allowed: not used", AUTHZ_MODULE)
        return None
    return module
