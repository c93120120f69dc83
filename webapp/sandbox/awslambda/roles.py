"""The execution role, through authz: its temporary keys and what it may do.

`webapp.sandbox.authz` mints the keys a worker gets (requests signed with them are then held to
the role's policies) and answers, in process, whether the role may write the function's logs.
"""
from webapp.sandbox import authz
from webapp.sandbox.authz import RoleCredentials


class RoleNotAssumable(Exception):
    """The function's execution role no longer exists."""


def role_credentials(account_id: str, role_arn: str, session_name: str) -> RoleCredentials:
    """Temporary keys for `role_arn`, the session named after the function as Lambda does."""
    try:
        return authz.mint_role_credentials(account_id, role_arn, session_name)
    except authz.RoleNotFoundError as err:
        raise RoleNotAssumable(role_arn) from err


def is_allowed(account_id: str, role_arn: str, action: str, resource: str) -> bool:
    """Whether the role's identity policies allow `action` on `resource` now."""
    return authz.is_allowed(account_id, role_arn, action, resource)
