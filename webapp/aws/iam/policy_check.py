"""Check an IAM policy document before it is sent to AWS, with each finding on its line.

Pure: no Flask, no boto3. `check_policy(text, kind)` decodes the JSON (keeping every value's
line and column), checks the policy grammar (Version, Statement, Sid, Effect, Action/NotAction,
Resource/NotResource, Principal, Condition), that actions exist in AWS's catalogue
(webapp.aws.iam.catalogue, offline) and that ARNs are well formed and fit the resource types of the
statement's actions. Messages are English msgids marked with N_ and %(name)s params; views show
them with gettext(finding.template, **finding.params) next to `finding.line`.

The first check in a process loads the action catalogue (about 0.25-0.45 s, see iam_catalogue);
later checks of a typical policy take a few milliseconds. `finding_lines(findings)` groups findings
by line for showing them beside the editor's lines.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from webapp.aws.iam import catalogue as iam_catalogue
from webapp.iam_grammar import arn_formats
from webapp.iam_grammar.arns import split_arn
from webapp.iam_grammar.wildcards import has_wildcard
from webapp.aws.iam.policy_json import InvalidJSON, Path, Positions, parse_with_positions

__all__ = ["Finding", "PolicyCheck", "check_policy", "finding_lines"]


def N_(text: str) -> str:
    """Mark `text` as a msgid for extraction; translated where it is shown."""
    return text


ERROR = "error"
WARNING = "warning"

VERSIONS = ("2012-10-17", "2008-10-17")
TOP_LEVEL_KEYS = ("Version", "Id", "Statement")
STATEMENT_KEYS = (
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
    "Condition",
)
PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")
TRUST_ACTIONS = frozenset({
    "sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession", "sts:SetSourceIdentity", "sts:SetContext",
})
CONDITION_OPERATORS = frozenset({
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike",
    "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
    "NumericGreaterThan", "NumericGreaterThanEquals",
    "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
    "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
})
PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
_SID = re.compile(r"[A-Za-z0-9]*")


@dataclass(frozen=True)
class Finding:
    """One problem in a policy: an English msgid with params, where it is, and how bad."""

    severity: str  # "error" | "warning"
    template: str
    params: dict = field(default_factory=dict)
    line: int | None = None
    column: int | None = None
    statement: int | None = None  # 0-based index into Statement
    path: tuple = ()  # where in the document, e.g. ("Statement", 0, "Action", 1)

    @property
    def is_error(self) -> bool:
        """Whether this finding stops the policy from being saved."""
        return self.severity == ERROR


@dataclass
class PolicyCheck:
    """The decoded document (None if the text is not a JSON object) and every finding, in line order."""

    document: dict | None
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        """True when nothing is an error (warnings allowed)."""
        return not any(finding.is_error for finding in self.findings)

    @property
    def errors(self) -> list[Finding]:
        """The error-severity findings."""
        return [finding for finding in self.findings if finding.is_error]

    @property
    def warnings(self) -> list[Finding]:
        """The warning-severity findings."""
        return [finding for finding in self.findings if not finding.is_error]


def finding_lines(findings: Iterable[Finding]) -> dict[int, list[Finding]]:
    """Findings grouped by line number (findings without a line are left out), lines ascending."""
    grouped: dict[int, list[Finding]] = {}
    for finding in sorted(findings, key=_order):
        if finding.line is not None:
            grouped.setdefault(finding.line, []).append(finding)
    return grouped


def _order(finding: Finding) -> tuple[int, int]:
    return (finding.line or 0, finding.column or 0)


def check_policy(text: str, kind: str = "identity") -> PolicyCheck:
    """Check a policy's JSON text. `kind` is "identity" (permissions policy) or "trust" (role trust policy).

    Returns the decoded document and findings sorted by line; `.ok` is False if any is an error.
    """
    if kind not in ("identity", "trust"):
        raise ValueError(f"unknown policy kind {kind!r}")
    if not text or not text.strip():
        return PolicyCheck(None, [Finding(ERROR, N_("The policy document is empty."), line=1, column=1)])
    try:
        document, positions = parse_with_positions(text)
    except InvalidJSON as exc:
        finding = Finding(
            ERROR,
            N_("This is not valid JSON: %(message)s (line %(line)s, column %(column)s)."),
            {"message": exc.message, "line": exc.line, "column": exc.column},
            line=exc.line,
            column=exc.column,
        )
        return PolicyCheck(None, [finding])
    checker = _Checker(kind, positions)
    checker.document(document)
    findings = sorted(checker.findings, key=_order)
    return PolicyCheck(document if isinstance(document, dict) else None, findings)


class _Checker:
    """Walks one decoded document, collecting findings with positions."""

    def __init__(self, kind: str, positions: Positions) -> None:
        self.kind = kind
        self.positions = positions
        self.findings: list[Finding] = []
        self.statement: int | None = None

    # -- reporting --------------------------------------------------------------------------

    def add(
        self, severity: str, template: str, path: Path, *, at_key: bool = False, **params: object
    ) -> None:
        where = self.positions.of_key(path) if at_key else self.positions.of_value(path)
        line, column = where if where else (None, None)
        self.findings.append(Finding(severity, template, params, line, column, self.statement, tuple(path)))

    def error(self, template: str, path: Path, *, at_key: bool = False, **params: object) -> None:
        self.add(ERROR, template, path, at_key=at_key, **params)

    def warning(self, template: str, path: Path, *, at_key: bool = False, **params: object) -> None:
        self.add(WARNING, template, path, at_key=at_key, **params)

    # -- document ---------------------------------------------------------------------------

    def document(self, document: object) -> None:
        for path in self.positions.duplicate_keys:
            self.statement = _statement_index(path, document)
            self.warning(N_("%(key)s appears more than once here; only the last one counts."), path,
                         at_key=True, key=path[-1])
        self.statement = None
        if not isinstance(document, dict):
            self.error(N_("A policy must be a JSON object: { \"Version\": ..., \"Statement\": [...] }."), ())
            return
        for key in document:
            if key not in TOP_LEVEL_KEYS:
                self.unknown_key(key, (key,), TOP_LEVEL_KEYS)
        self.version(document)
        if "Id" in document and not isinstance(document["Id"], str):
            self.error(N_("%(key)s must be a string."), ("Id",), key="Id")
        if "Statement" not in document:
            self.error(N_("The policy has no Statement."), ())
            return
        statements = document["Statement"]
        if isinstance(statements, dict):
            self.statement = 0
            self.one_statement(statements, ("Statement",))
            self.statement = None
            return
        if not isinstance(statements, list):
            self.error(N_("Statement must be an object or a list of objects."), ("Statement",))
            return
        if not statements:
            self.error(N_("Statement is empty: add at least one statement."), ("Statement",))
            return
        sids: dict[str, int] = {}
        for index, statement in enumerate(statements):
            self.statement = index
            path = ("Statement", index)
            if not isinstance(statement, dict):
                self.error(N_("Each statement must be an object."), path)
                continue
            self.one_statement(statement, path)
            sid = statement.get("Sid")
            if isinstance(sid, str) and sid:
                if sid in sids:
                    self.error(
                        N_("Sid %(sid)s is already used by statement %(other)s; each Sid must be unique."),
                        (*path, "Sid"), sid=sid, other=sids[sid] + 1,
                    )
                else:
                    sids[sid] = index
        self.statement = None

    def version(self, document: dict) -> None:
        if "Version" not in document:
            self.warning(N_("No Version: AWS then reads the policy with the old 2008-10-17 rules, "
                            "where ${...} variables do not work. Add \"Version\": \"2012-10-17\"."), ())
            return
        version = document["Version"]
        if version == "2008-10-17":
            self.warning(N_("Version 2008-10-17 is outdated: policy variables such as ${aws:username} "
                            "are not replaced. Use 2012-10-17."), ("Version",))
        elif version not in VERSIONS:
            self.error(N_("Version must be \"2012-10-17\" (or the older \"2008-10-17\"), not %(version)s."),
                       ("Version",), version=_show(version))

    def unknown_key(self, key: str, path: Path, allowed: Sequence[str]) -> None:
        same = [name for name in allowed if name.lower() == key.lower()]
        if same:
            self.error(N_("%(key)s is not a policy element; element names are case-sensitive: "
                          "write %(suggestion)s."), path, at_key=True, suggestion=same[0], **{"key": key})
        else:
            self.error(N_("%(key)s is not a policy element here. Allowed: %(allowed)s."),
                       path, at_key=True, allowed=", ".join(allowed), **{"key": key})

    # -- statement --------------------------------------------------------------------------

    def one_statement(self, statement: dict, path: Path) -> None:
        for key in statement:
            if key not in STATEMENT_KEYS:
                self.unknown_key(key, (*path, key), STATEMENT_KEYS)
        self.sid(statement, path)
        self.effect(statement, path)
        self.principal(statement, path)
        actions = self.pair(statement, path, "Action", "NotAction", required=True)
        if actions is not None:
            self.actions(statement, path, actions)
        if self.kind == "trust":
            for name in ("Resource", "NotResource"):
                if name in statement:
                    self.error(
                        N_("A trust policy cannot have %(key)s: it always applies to the role itself."),
                        (*path, name), at_key=True, **{"key": name})
        else:
            resources = self.pair(statement, path, "Resource", "NotResource", required=True)
            if resources is not None:
                self.resources(statement, path, resources)
        if "Condition" in statement:
            self.condition(statement["Condition"], (*path, "Condition"))

    def sid(self, statement: dict, path: Path) -> None:
        if "Sid" not in statement:
            return
        sid = statement["Sid"]
        if not isinstance(sid, str):
            self.error(N_("%(key)s must be a string."), (*path, "Sid"), key="Sid")
        elif not _SID.fullmatch(sid):
            self.error(N_("Sid %(sid)s may only contain letters A-Z, a-z and digits 0-9."), (*path, "Sid"),
                       sid=sid)

    def effect(self, statement: dict, path: Path) -> None:
        if "Effect" not in statement:
            self.error(N_("The statement has no Effect: add \"Effect\": \"Allow\" or \"Deny\"."), path)
            return
        effect = statement["Effect"]
        if effect in ("Allow", "Deny"):
            return
        if isinstance(effect, str) and effect.capitalize() in ("Allow", "Deny"):
            self.error(N_("Effect is case-sensitive: write %(suggestion)s."), (*path, "Effect"),
                       suggestion=effect.capitalize())
        else:
            self.error(N_("Effect must be \"Allow\" or \"Deny\", not %(value)s."), (*path, "Effect"),
                       value=_show(effect))

    def pair(
        self, statement: dict, path: Path, name: str, not_name: str, *, required: bool
    ) -> tuple[str, list] | None:
        """Exactly one of `name` / `not_name`; returns (which, list of values) when its shape is right."""
        present = [key for key in (name, not_name) if key in statement]
        if len(present) == 2:
            self.error(N_("Use either %(first)s or %(second)s in a statement, not both."),
                       (*path, not_name), at_key=True, first=name, second=not_name)
            return None
        if not present:
            if required:
                self.error(N_("The statement needs %(first)s (or %(second)s)."), path, first=name,
                           second=not_name)
            return None
        which = present[0]
        values = self.string_list(statement[which], (*path, which), which)
        return (which, values) if values is not None else None

    def string_list(self, value: object, path: Path, name: str) -> list[str] | None:
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            if not value:
                self.error(N_("%(key)s is empty."), path, at_key=True, **{"key": name})
                return None
            good = True
            for index, item in enumerate(value):
                if not isinstance(item, str):
                    self.error(N_("Each entry of %(key)s must be a string, not %(value)s."), (*path, index),
                               value=_show(item), **{"key": name})
                    good = False
            return list(value) if good else None
        self.error(N_("%(key)s must be a string or a list of strings."), path, **{"key": name})
        return None

    # -- principal --------------------------------------------------------------------------

    def principal(self, statement: dict, path: Path) -> None:
        present = [key for key in ("Principal", "NotPrincipal") if key in statement]
        if self.kind == "identity":
            for key in present:
                self.error(N_("%(key)s does not belong in a permissions policy: the policy applies to "
                              "whoever "
                              "it is attached to. Principals go in a role's trust policy."),
                           (*path, key), at_key=True, **{"key": key})
            return
        if "NotPrincipal" in statement:
            self.error(N_("A trust policy cannot use NotPrincipal; name who may assume the role in "
                          "Principal."),
                       (*path, "NotPrincipal"), at_key=True)
        if "Principal" not in statement:
            if "NotPrincipal" not in statement:
                self.error(N_("A trust policy statement needs a Principal, for example "
                              "{\"Service\": \"lambda.amazonaws.com\"}."), path)
            return
        principal = statement["Principal"]
        where = (*path, "Principal")
        if principal == "*":
            return
        if not isinstance(principal, dict) or not principal:
            self.error(N_("Principal must be \"*\" or an object such as "
                          "{\"Service\": \"lambda.amazonaws.com\"}."),
                       where)
            return
        for kind_name, value in principal.items():
            if kind_name not in PRINCIPAL_KINDS:
                self.unknown_key(kind_name, (*where, kind_name), PRINCIPAL_KINDS)
                continue
            self.string_list(value, (*where, kind_name), kind_name)

    # -- actions ----------------------------------------------------------------------------

    def actions(self, statement: dict, path: Path, actions: tuple[str, list[str]]) -> None:
        which, values = actions
        for index, action in enumerate(values):
            where = (*path, which, index) if isinstance(statement[which], list) else (*path, which)
            self.one_action(action, where)

    def one_action(self, action: str, where: Path) -> None:
        if action == "*":
            if self.kind == "trust":
                self.trust_action(action, where)
            return
        service, sep, name = action.partition(":")
        if not sep or not service or not name or ":" in name or " " in action:
            self.error(N_("%(action)s is not an action name: write service:ActionName, "
                          "for example dynamodb:GetItem."),
                       where, action=action)
            return
        wildcard = has_wildcard(action)
        if not has_wildcard(service) and not iam_catalogue.is_known_service(service):
            suggestion = iam_catalogue.suggest_service(service)
            if suggestion:
                self.error(N_("%(service)s is not an AWS service prefix. Did you mean %(suggestion)s?"),
                           where, service=service, suggestion=suggestion)
            else:
                self.error(N_("%(service)s is not an AWS service prefix."), where, service=service)
            return
        if wildcard:
            if not iam_catalogue.expand_action(action):
                self.error(N_("%(action)s matches no action."), where, action=action)
                return
        elif iam_catalogue.canonical_action(action) is None:
            suggestion = iam_catalogue.suggest_action(action)
            if suggestion:
                self.error(N_("%(action)s is not an action of %(service_name)s. "
                              "Did you mean %(suggestion)s?"),
                           where, action=action, suggestion=suggestion,
                           service_name=iam_catalogue.service_name(service))
            else:
                self.error(N_("%(action)s is not an action of %(service_name)s."), where, action=action,
                           service_name=iam_catalogue.service_name(service))
            return
        if self.kind == "trust":
            self.trust_action(action, where)

    def trust_action(self, action: str, where: Path) -> None:
        if not set(iam_catalogue.expand_action(action)) & TRUST_ACTIONS:
            self.error(N_("A trust policy can only allow sts:AssumeRole and its relatives "
                          "(sts:AssumeRoleWithWebIdentity, sts:TagSession, ...), not %(action)s."),
                       where, action=action)

    # -- resources --------------------------------------------------------------------------

    def resources(self, statement: dict, path: Path, resources: tuple[str, list[str]]) -> None:
        which, values = resources
        listed = isinstance(statement[which], list)
        wellformed: list[tuple[str, Path]] = []
        for index, resource in enumerate(values):
            where = (*path, which, index) if listed else (*path, which)
            if resource == "*":
                continue
            problem = arn_problem(resource)
            if problem:
                self.error(problem, where, resource=resource)
            else:
                wellformed.append((resource, where))
        if which != "Resource" or not isinstance(statement.get("Action"), (str, list)):
            return
        actions = _exact_actions(statement["Action"])
        if actions is None:
            return
        scoped = {action: formats for action in actions if (formats := _formats(action))}
        named = {
            iam_catalogue.canonical_action(a) for a in _as_list(statement["Action"]) if not has_wildcard(a)
        }
        unscoped = [action for action in actions if action not in scoped and action in named]
        for resource, where in wellformed:
            if scoped and not any(arn_fits(resource, fmt) for formats in scoped.values() for fmt in formats):
                names = sorted(scoped)
                shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
                example = _example_format(resource, scoped)
                self.error(N_("%(resource)s does not fit %(actions)s: expected an ARN like %(expected)s."),
                           where, resource=resource, actions=shown, expected=example)
        if unscoped and "*" not in values and statement.get("Effect") == "Allow":
            for action in sorted(unscoped)[:5]:
                self.warning(N_("%(action)s cannot be limited to a resource: it is only allowed with "
                                "\"Resource\": \"*\"."), (*path, which), at_key=True, action=action)

    # -- condition --------------------------------------------------------------------------

    def condition(self, condition: object, path: Path) -> None:
        if not isinstance(condition, dict):
            self.error(N_("Condition must be an object: {\"Operator\": {\"key\": \"value\"}}."), path)
            return
        for operator, block in condition.items():
            where = (*path, operator)
            if not is_condition_operator(operator):
                self.error(N_("%(operator)s is not a condition operator "
                              "(for example StringEquals, ArnLike, Bool)."),
                           where, at_key=True, operator=operator)
            if not isinstance(block, dict) or not block:
                self.error(N_("%(operator)s must map condition keys to values: "
                              "{\"aws:SourceArn\": \"...\"}."),
                           where, operator=operator)
                continue
            for key, value in block.items():
                values = value if isinstance(value, list) else [value]
                if isinstance(value, list) and not value:
                    self.error(N_("Condition key %(key)s has no values."), (*where, key), at_key=True,
                               **{"key": key})
                if any(not isinstance(item, (str, bool, int, float)) for item in values):
                    self.error(N_("Condition key %(key)s takes a string, number or boolean, "
                                  "or a list of them."),
                               (*where, key), **{"key": key})


def _statement_index(path: Path, document: object) -> int | None:
    """Which statement a path lies in (0 for a lone statement object), or None outside statements."""
    if len(path) < 2 or path[0] != "Statement" or not isinstance(document, dict):
        return None
    statements = document.get("Statement")
    if isinstance(statements, list):
        return path[1] if isinstance(path[1], int) else None
    return 0 if isinstance(statements, dict) else None


def is_condition_operator(name: str) -> bool:
    """Whether `name` is an IAM condition operator, with ForAllValues:/ForAnyValue: and IfExists allowed."""
    for prefix in ("ForAllValues:", "ForAnyValue:"):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    if name.endswith("IfExists") and name != "NullIfExists":
        name = name[: -len("IfExists")]
    return name in CONDITION_OPERATORS


def arn_problem(resource: str) -> str | None:
    """Why `resource` is not a well-formed ARN (a msgid with %(resource)s), or None if it is one."""
    if not resource.startswith("arn:"):
        return N_("%(resource)s is not an ARN: resources look like "
                  "arn:aws:service:region:account:resource, or \"*\".")
    parts = split_arn(resource)
    if parts is None:
        return N_("%(resource)s is not a complete ARN: it needs six parts, "
                  "arn:partition:service:region:account:resource.")
    _, partition, service, region, account, rest = parts
    if not (partition in PARTITIONS or has_wildcard(partition)):
        return N_("%(resource)s has an unknown partition: the second part should be aws.")
    if not service or not re.fullmatch(r"[a-z0-9*?-]+", service):
        return N_("%(resource)s names no service: the third part should be a service such as dynamodb.")
    if region and not re.fullmatch(r"[a-z0-9*?-]+", region):
        return N_("%(resource)s has a malformed region (the fourth part), such as us-east-1.")
    if account and not re.fullmatch(r"[0-9*?]+|aws", account):
        return N_("%(resource)s has a malformed account ID (the fifth part): it should be 12 digits.")
    if not rest:
        return N_("%(resource)s does not say which resource: the part after the account is empty.")
    return None


def _as_list(value: str | list) -> list[str]:
    return [value] if isinstance(value, str) else [item for item in value if isinstance(item, str)]


def _exact_actions(value: str | list) -> list[str] | None:
    """The known actions a statement's Action covers, or None if it covers too much to judge ("*", "*:*")."""
    actions: set[str] = set()
    for action in [value] if isinstance(value, str) else value:
        if not isinstance(action, str) or action == "*" or action.split(":", 1)[0] in ("*", ""):
            return None
        actions.update(iam_catalogue.expand_action(action))
    return sorted(actions)


@functools.lru_cache(maxsize=4096)
def _formats(action: str) -> tuple[str, ...]:
    return tuple(iam_catalogue.resource_arn_formats(action))


def arn_fits(resource: str, arn_format: str) -> bool:
    """Whether the policy resource `resource` can name a resource of `arn_format`.

    `resource` may use * and ?; `arn_format` is a catalogue format with ${...} placeholders.
    Names first stand for one path segment (no "/"). Failing that, they may hold slashes (log
    groups, S3 keys) unless a more specific format of the service fits with single segments:
    ...:table/Music/index/ByArtist is an index, not a table.
    """
    if arn_formats.fits(resource, arn_format, single_segment=True):
        return True
    weight = arn_formats.literal_weight(arn_format)
    for other in _sibling_formats(arn_format):
        if (arn_formats.literal_weight(other) > weight
                and arn_formats.fits(resource, other, single_segment=True)):
            return False
    return arn_formats.fits(resource, arn_format, single_segment=False)


@functools.lru_cache(maxsize=1024)
def _sibling_formats(arn_format: str) -> tuple[str, ...]:
    """Every ARN format of the same service as `arn_format` (including itself)."""
    parts = arn_format.split(":", 3)
    service = parts[2] if len(parts) > 2 else ""
    return tuple(sorted({arn_format, *iam_catalogue.service_arn_formats(service)}))


def _example_format(resource: str, scoped: dict[str, tuple[str, ...]]) -> str:
    """A format to show as the expected ARN: one of the resource's own service when there is one."""
    service = resource.split(":")[2] if resource.count(":") >= 2 else ""
    formats = [fmt for action in sorted(scoped) for fmt in scoped[action]]
    same = [fmt for fmt in formats if fmt.split(":")[2:3] == [service]]
    return (same or formats)[0]


def _show(value: object) -> str:
    """A short JSON-ish rendering of a value for a message."""
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
