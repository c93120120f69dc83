"""PartiQL expressions worked out on DynamoDB items: values, conditions, projections, updates.

Items and values stay in DynamoDB's AttributeValue form ({"S": "a"}, {"N": "1"}, ...), as moto
keeps them. An attribute an item does not have is MISSING (None here): a comparison with it is
not true, and `IS MISSING` is. Comparisons follow DynamoDB's condition expressions (the
Developer Guide's "Comparison operator and function reference"): = and <> on any two values,
< <= > >= and BETWEEN on two strings, numbers or binaries of one type, numbers compared as
numbers.
"""
from decimal import Decimal, InvalidOperation

from webapp.sandbox.dynamodb.partiql_syntax import (Arithmetic, Between, Call, Comparison,
                                                    Expression, InList, IsTest, ListOf,
                                                    Literal, Logical, MapOf, Negation, Parameter,
                                                    Path, SetOf)

Value = dict
Item = dict[str, Value]
ORDERED_TYPES = frozenset({"S", "N", "B"})
SET_OF = {"S": "SS", "N": "NS", "B": "BS"}
TRUE: Value = {"BOOL": True}
FALSE: Value = {"BOOL": False}
BAD_PATH = "The document path provided in the update expression is invalid for update"
NUMBER_OVERFLOW = ("Number overflow. Attempting to store a number with magnitude larger than "
                   "supported range")


class ValueProblem(ValueError):
    """A value the statement builds cannot be made (a set of mixed types, a sum of strings)."""


def resolve(path: Path, item: Item) -> Value | None:
    """The value at `path` in `item`, or None when it is missing."""
    value: Value | None = item.get(path.steps[0]) if isinstance(path.steps[0], str) else None
    for step in path.steps[1:]:
        if value is None:
            return None
        if isinstance(step, int):
            listed = value.get("L")
            value = listed[step] if isinstance(listed, list) and step < len(listed) else None
        else:
            mapped = value.get("M")
            value = mapped.get(step) if isinstance(mapped, dict) else None
    return value


def evaluate(expression: Expression, item: Item, parameters: list[Value]) -> Value | None:
    """What `expression` comes to for `item`: a value, or None (MISSING)."""
    match expression:
        case Literal(value):
            return value
        case Parameter(index):
            return parameters[index]
        case Path():
            return resolve(expression, item)
        case ListOf(items):
            return {"L": [_present(evaluate(each, item, parameters)) for each in items]}
        case MapOf(entries):
            return {"M": {name: _present(evaluate(each, item, parameters))
                          for name, each in entries}}
        case SetOf(items):
            return _set_of([_present(evaluate(each, item, parameters)) for each in items])
        case Arithmetic(operator, left, right):
            return _arithmetic(operator, evaluate(left, item, parameters),
                               evaluate(right, item, parameters))
        case Call(name, arguments):
            return _call(name, [evaluate(each, item, parameters) for each in arguments])
        case _:
            return TRUE if holds(expression, item, parameters) else FALSE


def holds(condition: Expression, item: Item, parameters: list[Value]) -> bool:
    """Whether `condition` is true of `item`."""
    match condition:
        case Logical("AND", left, right):
            return holds(left, item, parameters) and holds(right, item, parameters)
        case Logical(_, left, right):
            return holds(left, item, parameters) or holds(right, item, parameters)
        case Negation(operand):
            return not holds(operand, item, parameters)
        case Comparison(operator, left, right):
            return compare(operator, evaluate(left, item, parameters),
                           evaluate(right, item, parameters))
        case Between(operand, low, high):
            value = evaluate(operand, item, parameters)
            return (compare(">=", value, evaluate(low, item, parameters))
                    and compare("<=", value, evaluate(high, item, parameters)))
        case InList(operand, choices):
            value = evaluate(operand, item, parameters)
            return any(compare("=", value, evaluate(each, item, parameters)) for each in choices)
        case IsTest(operand, what, negated):
            value = evaluate(operand, item, parameters)
            found = value is None if what == "MISSING" else value in (None, {"NULL": True})
            return found != negated
        case _:
            return evaluate(condition, item, parameters) == TRUE


def compare(operator: str, left: Value | None, right: Value | None) -> bool:
    """`left operator right` as DynamoDB compares: never true with a missing side."""
    if left is None or right is None:
        return False
    if operator == "=":
        return same(left, right)
    if operator == "<>":
        return not same(left, right)
    kind = next(iter(left), "")
    if kind not in ORDERED_TYPES or list(right) != [kind]:
        return False
    a, b = (_number(left["N"]), _number(right["N"])) if kind == "N" else (left[kind], right[kind])
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]


def same(left: Value, right: Value) -> bool:
    """Whether two values are equal as DynamoDB sees them (numbers by value, sets unordered)."""
    if list(left) != list(right):
        return False
    kind = next(iter(left), "")
    if kind == "N":
        return _number(left["N"]) == _number(right["N"])
    if kind == "NS":
        return {_number(n) for n in left["NS"]} == {_number(n) for n in right["NS"]}
    if kind in ("SS", "BS"):
        return set(left[kind]) == set(right[kind])
    if kind == "L":
        return len(left["L"]) == len(right["L"]) and all(
            same(a, b) for a, b in zip(left["L"], right["L"]))
    if kind == "M":
        return left["M"].keys() == right["M"].keys() and all(
            same(value, right["M"][name]) for name, value in left["M"].items())
    return left == right


def project(item: Item, paths: tuple[Path, ...]) -> Item:
    """The parts of `item` that `paths` name, nested as they are in the item."""
    projected: Item = {}
    for path in paths:
        value = resolve(path, item)
        if value is not None:
            _place(projected, path.steps, value)
    return projected


def assign(item: Item, path: Path, value: Value) -> None:
    """Set the value at `path` (an UPDATE's SET); its parent must exist."""
    *parents, last = path.steps
    container = _container(item, tuple(parents))
    if isinstance(last, int):
        listed = container.get("L") if isinstance(container, dict) else None
        if not isinstance(listed, list):
            raise ValueProblem(BAD_PATH)
        if last < len(listed):
            listed[last] = value
        else:
            listed.append(value)
        return
    target = container if not parents else (container or {}).get("M")
    if not isinstance(target, dict):
        raise ValueProblem(BAD_PATH)
    target[last] = value


def remove(item: Item, path: Path) -> None:
    """Take away the value at `path` (an UPDATE's REMOVE), if it is there."""
    *parents, last = path.steps
    container = _container(item, tuple(parents))
    if container is None:
        return
    if isinstance(last, int):
        listed = container.get("L")
        if isinstance(listed, list) and last < len(listed):
            del listed[last]
        return
    target = container if not parents else container.get("M")
    if isinstance(target, dict):
        target.pop(last, None)


def _container(item: Item, steps: tuple[str | int, ...]) -> dict | None:
    """The item itself for no steps, else the value at those steps (None if missing)."""
    if not steps:
        return item
    return resolve(Path(steps), item)


def _place(into: Item, steps: tuple[str | int, ...], value: Value) -> None:
    head, rest = steps[0], steps[1:]
    if not rest:
        if isinstance(head, str):
            into[head] = value
        return
    if isinstance(head, int):
        return  # a projection through a list element keeps the whole path below it only
    nested = into.setdefault(head, {"M": {}} if isinstance(rest[0], str) else {"L": []})
    if "M" in nested and isinstance(rest[0], str):
        _place(nested["M"], rest, value)
    elif "L" in nested and isinstance(rest[0], int) and len(rest) == 1:
        nested["L"].append(value)


def _present(value: Value | None) -> Value:
    if value is None:
        raise ValueProblem("a value in the statement is MISSING")
    return value


def _number(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as err:
        raise ValueProblem(f"'{text}' is not a number") from err


def _number_text(number: Decimal) -> str:
    return format(number.normalize(), "f") if number != 0 else "0"


def _set_of(values: list[Value]) -> Value:
    kinds = {next(iter(value), "") for value in values}
    if len(kinds) != 1 or next(iter(kinds)) not in SET_OF:
        raise ValueProblem("a set must hold strings, numbers or binaries of one type")
    kind = kinds.pop()
    return {SET_OF[kind]: list(dict.fromkeys(value[kind] for value in values))}


def _arithmetic(operator: str, left: Value | None, right: Value | None) -> Value:
    if left is None or right is None or "N" not in left or "N" not in right:
        raise ValueProblem(f"the operands of '{operator}' must be numbers")
    a, b = _number(left["N"]), _number(right["N"])
    try:
        return {"N": _number_text(a + b if operator == "+" else a - b)}
    except ArithmeticError as err:  # past Decimal's exponent range
        raise ValueProblem(NUMBER_OVERFLOW) from err


def _call(name: str, arguments: list[Value | None]) -> Value | None:
    first = arguments[0] if arguments else None
    second = arguments[1] if len(arguments) > 1 else None
    if name == "begins_with":
        kind = next(iter(first or {}), "")
        return _truth(kind in ("S", "B") and second is not None and list(second) == [kind]
                      and str(first[kind]).startswith(str(second[kind])))
    if name == "contains":
        return _truth(_contains(first, second))
    if name == "attribute_type":
        return _truth(first is not None and second is not None
                      and list(first) == [second.get("S")])
    if name == "size":
        return None if first is None else {"N": str(_size(first))}
    if name == "list_append":
        if first is None or second is None or "L" not in first or "L" not in second:
            raise ValueProblem("list_append takes two lists")
        return {"L": first["L"] + second["L"]}
    if name in ("set_add", "set_delete"):
        return _set_change(name, first, second)
    raise ValueProblem(f"unknown function {name}")


def _truth(found: bool) -> Value:
    return TRUE if found else FALSE


def _contains(container: Value | None, part: Value | None) -> bool:
    if container is None or part is None:
        return False
    kind = next(iter(container), "")
    if kind == "S":
        return "S" in part and part["S"] in container["S"]
    if kind in ("SS", "NS", "BS"):
        scalar = kind[0]
        return list(part) == [scalar] and any(same({scalar: each}, part)
                                              for each in container[kind])
    if kind == "L":
        return any(same(each, part) for each in container["L"])
    return False


def _size(value: Value) -> int:
    kind = next(iter(value), "")
    inner = value[kind]
    if kind == "S":
        return len(inner.encode())
    if kind in ("L", "M", "SS", "NS", "BS", "B"):
        return len(inner)
    raise ValueProblem(f"size() does not apply to a value of type {kind}")


def _set_change(name: str, current: Value | None, change: Value | None) -> Value:
    if change is None or next(iter(change), "") not in SET_OF.values():
        raise ValueProblem(f"{name} takes a set")
    kind = next(iter(change))
    present = list(current[kind]) if current is not None and kind in current else []
    if name == "set_add":
        return {kind: list(dict.fromkeys(present + change[kind]))}
    return {kind: [each for each in present if each not in change[kind]]}
