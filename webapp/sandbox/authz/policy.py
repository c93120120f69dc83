"""IAM policy documents and their evaluation, as AWS's policy evaluation logic describes it.

Pure functions over parsed documents; nothing here knows moto or HTTP.

Supported, per docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_*.html:

* Effect Allow/Deny; an explicit Deny wins, then an Allow, else the implicit deny.
* Action/NotAction and Resource/NotResource, each a string or a list. Actions match
  case-insensitively with `*` and `?` over the whole `service:Action`. Resources match
  case-sensitively; `*` and `?` stay inside one colon-separated ARN segment, except that a `*`
  ending a segment may run past colons (AWS's documented rule: `log-group:/aws/lambda/f:*` covers
  `log-group:/aws/lambda/f:log-stream:x`). A request resource of `*` (the fallback for actions
  whose resource is not worked out) is matched only by a `*` pattern.
* Condition blocks, see `conditions`.
* Policy variables (see webapp.iam_grammar.variables) in Resource, NotResource and the values of String, Arn and
  Bool conditions, in documents of Version 2012-10-17 only (AWS reads them literally in
  2008-10-17).

Not supported: Principal/NotPrincipal (they belong to resource-based policies, which the sandbox
does not evaluate), multi-valued keys in policy variables.
"""
import functools
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import unquote

from webapp.iam_grammar import arns, variables, wildcards
from webapp.iam_grammar.arns import resource_matches
from webapp.iam_grammar.variables import RequestKeys
from webapp.iam_grammar.wildcards import action_matches
from webapp.sandbox.authz import conditions
from webapp.sandbox.authz.conditions import ConditionTest

logger = logging.getLogger(__name__)

# Policy variables are only read in documents of this version; older ones take `${` literally.
VARIABLES_VERSION = "2012-10-17"
# Parsed documents are kept by their text: the text is read live from IAM on every request, so a
# changed policy is a new key and takes effect at once.
PARSED_DOCUMENTS_CACHED = 1024


class Effect(Enum):
    """A statement's Effect."""

    ALLOW = "Allow"
    DENY = "Deny"


class Decision(Enum):
    """The outcome of evaluating policies for one action on one resource."""

    ALLOWED = "allowed"
    IMPLICIT_DENY = "implicit deny"
    EXPLICIT_DENY = "explicit deny"


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement; `actions`/`resources` hold Action or NotAction (Resource or NotResource)."""

    effect: Effect
    actions: tuple[str, ...]
    negates_actions: bool
    resources: tuple[str, ...]
    negates_resources: bool
    conditions: tuple[ConditionTest, ...]


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed policy document."""

    version: str
    statements: tuple[Statement, ...]

    @property
    def reads_variables(self) -> bool:
        """Whether `${...}` in this document is a policy variable rather than text."""
        return self.version == VARIABLES_VERSION


class PolicyError(ValueError):
    """A policy document that is not a JSON policy IAM would have accepted."""


@functools.lru_cache(maxsize=PARSED_DOCUMENTS_CACHED)
def parse_policy(document: str) -> Policy:
    """The policy in a JSON document (URL-encoded, as IAM returns documents, also accepted)."""
    text = document.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = unquote(text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise PolicyError(f"policy document is not JSON: {err}") from None
    if not isinstance(data, dict):
        raise PolicyError("policy document is not a JSON object")
    raw_statements = data.get("Statement", [])
    if isinstance(raw_statements, dict):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        raise PolicyError("Statement is neither an object nor a list")
    version = str(data.get("Version", "2008-10-17"))
    return Policy(version=version, statements=tuple(_statement(raw) for raw in raw_statements))


def evaluate(policies: Iterable[Policy], action: str, resource: str,
             keys: RequestKeys) -> Decision:
    """AWS's decision for `action` on `resource` under `policies` (all of one policy type)."""
    allowed = False
    for policy in policies:
        for statement in policy.statements:
            if not applies(statement, policy, action, resource, keys):
                continue
            if statement.effect is Effect.DENY:
                return Decision.EXPLICIT_DENY
            allowed = True
    return Decision.ALLOWED if allowed else Decision.IMPLICIT_DENY


def applies(statement: Statement, policy: Policy, action: str, resource: str,
            keys: RequestKeys) -> bool:
    """Whether `statement` of `policy` covers `action` on `resource`, conditions included."""
    named = any(action_matches(pattern, action) for pattern in statement.actions)
    if named == statement.negates_actions:
        return False
    covered = any(_resource_pattern_matches(pattern, resource, policy, keys)
                  for pattern in statement.resources)
    if covered == statement.negates_resources:
        return False
    if not statement.conditions:
        return True
    resolve = _resolver(policy, keys)
    return all(conditions.holds(test, keys, resolve) for test in statement.conditions)


def _resource_pattern_matches(pattern: str, resource: str, policy: Policy,
                              keys: RequestKeys) -> bool:
    if not policy.reads_variables or "${" not in pattern:
        return resource_matches(pattern, resource)
    expanded = variables.expand(pattern, keys)
    return expanded is not None and arns.resource_glob(expanded).fullmatch(resource) is not None


def _resolver(policy: Policy, keys: RequestKeys) -> conditions.Resolver:
    if not policy.reads_variables:
        return wildcards.plain
    return lambda text: variables.expand(text, keys)


def _statement(raw: Any) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyError("a Statement entry is not an object")
    try:
        effect = Effect(raw.get("Effect"))
    except ValueError:
        raise PolicyError(f"Effect {raw.get('Effect')!r} is neither Allow nor Deny") from None
    actions, negates_actions = _either(raw, "Action", "NotAction")
    resources, negates_resources = _either(raw, "Resource", "NotResource")
    condition_block = raw.get("Condition", {})
    if not isinstance(condition_block, Mapping):
        raise PolicyError("Condition is not an object")
    return Statement(effect=effect, actions=actions, negates_actions=negates_actions,
                     resources=resources, negates_resources=negates_resources,
                     conditions=conditions.parse_block(condition_block))


def _either(raw: Mapping[str, Any], element: str, negated: str) -> tuple[tuple[str, ...], bool]:
    if element in raw:
        return _strings(raw[element], element), False
    if negated in raw:
        return _strings(raw[negated], negated), True
    raise PolicyError(f"statement has neither {element} nor {negated}")


def _strings(value: Any, element: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise PolicyError(f"{element} is neither a string nor a list of strings")

