"""Condition blocks: operators, `...IfExists`, `ForAllValues:`/`ForAnyValue:` and `Null`.

Rules from AWS's IAM User Guide (docs.aws.amazon.com/IAM/latest/UserGuide/), pages
reference_policies_elements_condition_operators.html and
reference_policies_condition-single-vs-multi-valued-context-keys.html:

* All operators of a block, and all keys of an operator, must hold (AND); the values listed for
  one key are alternatives (OR). A negated operator (StringNotEquals, ArnNotLike, NotIpAddress…)
  holds when the request's value matches none of them.
* A key absent from the request: the condition is false, except that a negated operator is then
  true (AWS: "If the policy condition requires that the key is not matched, such as StringNotLike
  or ArnNotLike, and the right key is not present, the condition is true"); `...IfExists` is true;
  `Null` tests presence itself; `ForAllValues:` is true and `ForAnyValue:` false.
* Condition key names are case-insensitive; String values are case-sensitive unless the operator
  says IgnoreCase.

Supported operators: String{Not}Equals{IgnoreCase}, String{Not}Like, Numeric{Not}Equals,
NumericLessThan{Equals}, NumericGreaterThan{Equals}, Date{Not}Equals, DateLessThan{Equals},
DateGreaterThan{Equals}, Bool, BinaryEquals, {Not}IpAddress, Arn{Not}Equals, Arn{Not}Like, Null,
each with IfExists and the two set qualifiers. An unknown operator never holds (IAM refuses such
a policy when it is put, so only a hand-built document can carry one).
"""
import base64
import binascii
import ipaddress
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from webapp.iam_grammar import arns, wildcards
from webapp.iam_grammar.variables import RequestKeys
from webapp.iam_grammar.wildcards import Pattern

logger = logging.getLogger(__name__)

# Turns a policy value into the pattern to compare, or None when a policy variable in it cannot
# be filled.
Resolver = Callable[[str], Pattern | None]
IF_EXISTS = "IfExists"
NULL_OPERATOR = "Null"


class SetQualifier(Enum):
    """How a condition treats a key with several values."""

    FOR_ALL_VALUES = "ForAllValues"
    FOR_ANY_VALUE = "ForAnyValue"


@dataclass(frozen=True, slots=True)
class ConditionTest:
    """One key under one operator of a Condition block."""

    operator: str
    qualifier: SetQualifier | None
    if_exists: bool
    key: str
    values: tuple[str, ...]


def parse_block(block: Mapping[str, Any]) -> tuple[ConditionTest, ...]:
    """The tests of a Condition element, e.g. {"StringEquals": {"aws:username": ["a", "b"]}}."""
    tests: list[ConditionTest] = []
    for written, keys in block.items():
        qualifier, operator, if_exists = _split_operator(str(written))
        if operator not in OPERATORS and operator != NULL_OPERATOR:
            logger.warning("condition operator %s is not supported; it never holds", written)
        if not isinstance(keys, Mapping):
            continue
        for key, raw_values in keys.items():
            listed = raw_values if isinstance(raw_values, list) else [raw_values]
            tests.append(ConditionTest(operator=operator, qualifier=qualifier,
                                       if_exists=if_exists, key=str(key).lower(),
                                       values=tuple(_text(value) for value in listed)))
    return tuple(tests)


def holds(test: ConditionTest, keys: RequestKeys, resolve: Resolver) -> bool:
    """Whether one condition test holds for a request with these keys."""
    present = keys.get(test.key, ())
    if test.operator == NULL_OPERATOR:
        return any((value.lower() == "true") != bool(present) for value in test.values)
    rule = OPERATORS.get(test.operator)
    if rule is None:
        return False
    if not present:
        if test.if_exists or test.qualifier is SetQualifier.FOR_ALL_VALUES:
            return True
        if test.qualifier is SetQualifier.FOR_ANY_VALUE:
            return False
        return rule.negated
    wanted = _policy_values(test.values, resolve if rule.reads_variables else wildcards.plain)
    if test.qualifier is SetQualifier.FOR_ALL_VALUES:
        return all(rule.holds_for(value, wanted) for value in present)
    if test.qualifier is SetQualifier.FOR_ANY_VALUE:
        return any(rule.holds_for(value, wanted) for value in present)
    matched = any(rule.matches(value, option) for value in present for option in wanted)
    return matched != rule.negated


@dataclass(frozen=True, slots=True)
class OperatorRule:
    """How one operator compares a request value with a policy value."""

    matches: Callable[[str, Pattern], bool]
    negated: bool = False
    reads_variables: bool = False

    def holds_for(self, value: str, wanted: tuple[Pattern, ...]) -> bool:
        """Whether this operator holds for one request value against the policy's values."""
        return any(self.matches(value, option) for option in wanted) != self.negated


def _split_operator(written: str) -> tuple[SetQualifier | None, str, bool]:
    qualifier = None
    prefix, separator, rest = written.partition(":")
    if separator:
        try:
            qualifier = SetQualifier(prefix)
        except ValueError:
            return None, written, False
        written = rest
    if written.endswith(IF_EXISTS) and written != IF_EXISTS:
        return qualifier, written.removesuffix(IF_EXISTS), True
    return qualifier, written, False


def _policy_values(values: tuple[str, ...], resolve: Resolver) -> tuple[Pattern, ...]:
    resolved = (resolve(value) for value in values)
    return tuple(value for value in resolved if value is not None)


def _text(value: Any) -> str:
    if isinstance(value, bool):  # JSON true/false, as Bool conditions are often written
        return "true" if value else "false"
    return str(value)


def _string_like(value: str, pattern: Pattern) -> bool:
    return wildcards.glob(pattern).fullmatch(value) is not None


def _arn_like(value: str, pattern: Pattern) -> bool:
    return arns.arn_glob(pattern).fullmatch(value) is not None


def _on_text(compare: Callable[[str, str], bool]) -> Callable[[str, Pattern], bool]:
    """A comparison of plain strings, for operators without wildcards."""
    def matches(value: str, wanted: Pattern) -> bool:
        return compare(value, wildcards.text_of(wanted))

    return matches


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[str, Pattern], bool]:
    def matches(value: str, wanted: str) -> bool:
        left, right = _number(value), _number(wanted)
        return left is not None and right is not None and compare(left, right)

    return _on_text(matches)


def _instant(text: str) -> float | None:
    """Seconds since the epoch of an ISO 8601 date/time or an epoch number, as AWS accepts both."""
    number = _number(text)
    if number is not None:
        return number
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _dated(compare: Callable[[float, float], bool]) -> Callable[[str, Pattern], bool]:
    def matches(value: str, wanted: str) -> bool:
        left, right = _instant(value), _instant(wanted)
        return left is not None and right is not None and compare(left, right)

    return _on_text(matches)


def _bool(value: str, wanted: str) -> bool:
    return value.lower() == wanted.lower()


def _binary(value: str, wanted: str) -> bool:
    try:
        return base64.b64decode(value, validate=True) == base64.b64decode(wanted, validate=True)
    except (binascii.Error, ValueError):
        return False


def _in_network(value: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def _equals(value: str, wanted: str) -> bool:
    return value == wanted


def _equals_ignoring_case(value: str, wanted: str) -> bool:
    return value.casefold() == wanted.casefold()


_EQUALS = _on_text(_equals)
_EQUALS_IGNORING_CASE = _on_text(_equals_ignoring_case)
_IN_NETWORK = _on_text(_in_network)

OPERATORS: dict[str, OperatorRule] = {
    "StringEquals": OperatorRule(_EQUALS, reads_variables=True),
    "StringNotEquals": OperatorRule(_EQUALS, negated=True, reads_variables=True),
    "StringEqualsIgnoreCase": OperatorRule(_EQUALS_IGNORING_CASE, reads_variables=True),
    "StringNotEqualsIgnoreCase": OperatorRule(_EQUALS_IGNORING_CASE, negated=True,
                                              reads_variables=True),
    "StringLike": OperatorRule(_string_like, reads_variables=True),
    "StringNotLike": OperatorRule(_string_like, negated=True, reads_variables=True),
    "NumericEquals": OperatorRule(_numeric(lambda left, right: left == right)),
    "NumericNotEquals": OperatorRule(_numeric(lambda left, right: left == right), negated=True),
    "NumericLessThan": OperatorRule(_numeric(lambda left, right: left < right)),
    "NumericLessThanEquals": OperatorRule(_numeric(lambda left, right: left <= right)),
    "NumericGreaterThan": OperatorRule(_numeric(lambda left, right: left > right)),
    "NumericGreaterThanEquals": OperatorRule(_numeric(lambda left, right: left >= right)),
    "DateEquals": OperatorRule(_dated(lambda left, right: left == right)),
    "DateNotEquals": OperatorRule(_dated(lambda left, right: left == right), negated=True),
    "DateLessThan": OperatorRule(_dated(lambda left, right: left < right)),
    "DateLessThanEquals": OperatorRule(_dated(lambda left, right: left <= right)),
    "DateGreaterThan": OperatorRule(_dated(lambda left, right: left > right)),
    "DateGreaterThanEquals": OperatorRule(_dated(lambda left, right: left >= right)),
    "Bool": OperatorRule(_on_text(_bool), reads_variables=True),
    "BinaryEquals": OperatorRule(_on_text(_binary)),
    "IpAddress": OperatorRule(_IN_NETWORK),
    "NotIpAddress": OperatorRule(_IN_NETWORK, negated=True),
    # AWS documents ArnEquals and ArnLike as the same component-by-component match, wildcards
    # included.
    "ArnEquals": OperatorRule(_arn_like, reads_variables=True),
    "ArnLike": OperatorRule(_arn_like, reads_variables=True),
    "ArnNotEquals": OperatorRule(_arn_like, negated=True, reads_variables=True),
    "ArnNotLike": OperatorRule(_arn_like, negated=True, reads_variables=True),
}
