"""Items as people read and write them: plain JSON, or DynamoDB JSON, and back, exactly.

Python items are what boto3's resource layer uses: numbers are Decimal (never float), sets are
Python sets, binary is boto3's Binary, maps and lists nest. Plain JSON needs three conventions for
what JSON itself lacks:

* a set is ``{"$set": [...]}``: all strings (SS), all numbers (NS) or all binary (BS);
* binary is ``{"$binary": "<base64>"}``;
* a map whose only key is ``$set``, ``$binary`` or ``$map`` is written ``{"$map": {...}}`` so it
  cannot be mistaken for one of the above.

Numbers keep every digit: JSON numbers are read as Decimal and written from the Decimal's own
text, and anything DynamoDB cannot store (more than 38 significant digits, outside 1E-130 to
9.99…E+125) is refused with a message rather than rounded.
"""
from __future__ import annotations

import base64
import binascii
import decimal
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import DYNAMODB_CONTEXT, Binary, TypeDeserializer, TypeSerializer

from webapp.aws.dynamodb.tables import KeyAttribute
from webapp.aws.errors import N_, ConsoleError, InvalidInput

SET, BINARY, MAP = "$set", "$binary", "$map"
_MARKERS = frozenset({SET, BINARY, MAP})
FORMATS = ("plain", "dynamodb")
# A key token is a URL parameter: a GSI page's LastEvaluatedKey holds up to four key attributes
# (about 6 KB of names and values), a third more once in base64.
MAX_KEY_TOKEN = 16384
# DynamoDB numbers: magnitudes from 1E-130 to 9.99…E+125, so adjusted exponents -130 to 125.
MIN_ADJUSTED, MAX_ADJUSTED = -130, 125
# DynamoDB nests maps and lists at most 32 levels deep.
MAX_DEPTH = 32

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class _DuplicateName(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _item_error(template: str, **params: object) -> ConsoleError:
    return InvalidInput(template, field="item", **params)


# --- reading ---------------------------------------------------------------------------------

def _no_constants(name: str) -> object:
    raise _item_error(N_("%(name)s is not a number DynamoDB can store; write a finite number."),
                      name=name)


def _pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for name, value in pairs:
        if name in result:
            raise _DuplicateName(name)
        result[name] = value
    return result


DECODER = json.JSONDecoder(parse_float=Decimal, parse_int=Decimal, parse_constant=_no_constants,
                           object_pairs_hook=_pairs)


def load_json(text: str) -> object:
    """Decode JSON with exact numbers; a syntax error names its line and column."""
    try:
        return DECODER.decode(text)
    except json.JSONDecodeError as err:
        raise json_syntax_error(err) from err
    except RecursionError as err:
        raise too_deep_error() from err
    except _DuplicateName as err:
        raise _item_error(N_("The name %(name)s appears twice in one object; keep one."),
                          name=err.name) from err


def json_syntax_error(err: json.JSONDecodeError) -> ConsoleError:
    """Word a JSON syntax error with its line and column."""
    return _item_error(N_("This is not valid JSON: %(detail)s at line %(line)s, column %(column)s."),
                       detail=err.msg, line=err.lineno, column=err.colno)


def too_deep_error() -> ConsoleError:
    """The error for JSON nested deeper than DynamoDB (or the parser) can take."""
    return _item_error(N_("The item is nested more than %(depth)s levels deep, more than "
                          "DynamoDB allows."), depth=MAX_DEPTH)


def parse_item(text: str, fmt: str = "plain") -> dict[str, Any]:
    """The item written as JSON text, in plain JSON or DynamoDB JSON."""
    if not text.strip():
        raise _item_error(N_("The item is empty: write a JSON object such as {\"id\": \"1\"}."))
    return item_from_json(load_json(text), fmt)


def item_from_json(value: object, fmt: str = "plain") -> dict[str, Any]:
    """The item a decoded JSON value (numbers as Decimal) stands for."""
    if not isinstance(value, dict):
        raise _item_error(N_("An item is a JSON object of attributes, such as {\"id\": \"1\"}."))
    if not value:
        raise _item_error(N_("The item has no attributes."))
    if fmt == "dynamodb":
        return {name: _from_typed(attribute, name, 1) for name, attribute in value.items()}
    return {name: _from_plain(attribute, name, 1) for name, attribute in value.items()}


def parse_number(text: str, where: str) -> Decimal:
    """A number typed as text, exactly as DynamoDB would store it, or a ConsoleError."""
    return _number(_decimal(text, where), where)


def parse_base64(text: str, where: str) -> Binary:
    """Binary typed as base64 text, or a ConsoleError."""
    return _base64(text, where)


def base64_text(value: Binary | bytes | bytearray) -> str:
    """Binary as the base64 text the editor shows and parse_base64 reads back."""
    raw = value.value if isinstance(value, Binary) else bytes(value)
    return base64.b64encode(raw).decode("ascii")


def _number(value: Decimal, where: str) -> Decimal:
    try:
        number = DYNAMODB_CONTEXT.create_decimal(value)
        # boto3's context allows exponents a little past what DynamoDB stores.
        if number and not MIN_ADJUSTED <= number.adjusted() <= MAX_ADJUSTED:
            raise decimal.Overflow(str(value))
        return number
    except (decimal.Inexact, decimal.Rounded, decimal.Overflow, decimal.Underflow,
            decimal.Subnormal, decimal.Clamped, decimal.InvalidOperation) as err:
        raise _item_error(
            N_("The number %(number)s in %(where)s cannot be stored: DynamoDB keeps at most 38 "
               "significant digits, from 1E-130 to 9.9999999999999999999999999999999999999E+125."),
            number=str(value), where=where) from err


def _base64(text: object, where: str) -> Binary:
    if not isinstance(text, str):
        raise _item_error(N_("Binary in %(where)s must be a base64 string."), where=where)
    try:
        return Binary(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError) as err:
        raise _item_error(N_("%(where)s is not valid base64."), where=where) from err


def _from_plain(value: object, where: str, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise too_deep_error()
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Decimal):
        return _number(value, where)
    if isinstance(value, list):
        return [_from_plain(element, f"{where}[{index}]", depth + 1)
                for index, element in enumerate(value)]
    if isinstance(value, dict):
        if len(value) == 1 and SET in value:
            return _plain_set(value[SET], where)
        if len(value) == 1 and BINARY in value:
            return _base64(value[BINARY], where)
        if len(value) == 1 and MAP in value and isinstance(value[MAP], dict):
            value = value[MAP]
        return {name: _from_plain(element, f"{where}.{name}", depth + 1)
                for name, element in value.items()}
    raise _item_error(N_("%(where)s holds a value JSON cannot express."), where=where)


def _plain_set(elements: object, where: str) -> set[Any]:
    if not isinstance(elements, list) or not elements:
        raise _item_error(N_("The set in %(where)s is empty or not a list. DynamoDB has no empty "
                             "sets: remove the attribute, or use an empty list []."), where=where)
    if all(isinstance(element, str) for element in elements):
        members: list[Any] = list(elements)
    elif all(isinstance(element, Decimal) for element in elements):
        members = [_number(element, where) for element in elements]
    elif all(isinstance(element, dict) and set(element) == {BINARY} for element in elements):
        members = [_base64(element[BINARY], where) for element in elements]
    else:
        raise _item_error(N_("The set in %(where)s mixes types: a set holds only strings, only "
                             "numbers or only {\"$binary\": …} values."), where=where)
    return _unique(members, where)


def _unique(members: list[Any], where: str) -> set[Any]:
    result = set(members)
    if len(result) != len(members):
        raise _item_error(N_("The set in %(where)s holds the same value twice."), where=where)
    return result


# Every DynamoDB attribute type, as DynamoDB JSON names it.
TYPE_KEYS = frozenset({"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"})


def _from_typed(value: object, where: str, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise too_deep_error()
    if not (isinstance(value, dict) and len(value) == 1 and next(iter(value)) in TYPE_KEYS):
        raise _item_error(N_("%(where)s is not DynamoDB JSON: write it as {\"S\": \"text\"}, "
                             "{\"N\": \"1\"}, {\"BOOL\": true}, {\"L\": [...]}, {\"M\": {...}} "
                             "and so on."), where=where)
    kind, inner = next(iter(value.items()))
    if kind == "S" and isinstance(inner, str):
        return inner
    if kind == "N" and isinstance(inner, (str, Decimal)):
        return _number(_decimal(inner, where), where)
    if kind == "B":
        return _base64(inner, where)
    if kind == "BOOL" and isinstance(inner, bool):
        return inner
    if kind == "NULL" and inner is True:
        return None
    if kind == "L" and isinstance(inner, list):
        return [_from_typed(element, f"{where}[{index}]", depth + 1)
                for index, element in enumerate(inner)]
    if kind == "M" and isinstance(inner, dict):
        return {name: _from_typed(element, f"{where}.{name}", depth + 1)
                for name, element in inner.items()}
    if kind in {"SS", "NS", "BS"} and isinstance(inner, list) and inner:
        if kind == "SS" and all(isinstance(element, str) for element in inner):
            return _unique(list(inner), where)
        if kind == "NS":
            return _unique([_number(_decimal(element, where), where) for element in inner], where)
        if kind == "BS":
            return _unique([_base64(element, where) for element in inner], where)
    raise _item_error(N_("%(where)s has a %(kind)s value of the wrong shape."), where=where,
                      kind=kind)


def _decimal(value: object, where: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        number = Decimal(str(value).strip())
    except decimal.InvalidOperation as err:
        raise _item_error(N_("%(where)s is not a number."), where=where) from err
    if not number.is_finite():
        raise _item_error(N_("%(where)s is not a number."), where=where)
    return number


# --- writing ---------------------------------------------------------------------------------

def _set_members(value: set[Any]) -> list[Any]:
    return sorted(value, key=lambda member: member.value if isinstance(member, Binary) else member)


def _to_plain(value: Any) -> Any:
    """The plain-JSON shape of a python value (Decimals stay Decimal)."""
    if isinstance(value, (Binary, bytes, bytearray)):
        return {BINARY: base64_text(value)}
    if isinstance(value, (set, frozenset)):
        return {SET: [_to_plain(member) for member in _set_members(set(value))]}
    if isinstance(value, list):
        return [_to_plain(element) for element in value]
    if isinstance(value, dict):
        mapped = {name: _to_plain(value[name]) for name in sorted(value)}
        return {MAP: mapped} if len(mapped) == 1 and next(iter(mapped)) in _MARKERS else mapped
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


def _to_typed(value: Any) -> Any:
    """The DynamoDB-JSON shape of a python value, binary as base64."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (Decimal, int)):
        return {"N": str(value)}
    if isinstance(value, (Binary, bytes, bytearray)):
        return {"B": _to_plain(value)[BINARY]}
    if isinstance(value, (set, frozenset)):
        members = _set_members(set(value))
        sample = members[0]
        if isinstance(sample, str):
            return {"SS": members}
        if isinstance(sample, (Binary, bytes)):
            return {"BS": [_to_plain(member)[BINARY] for member in members]}
        return {"NS": [str(member) for member in members]}
    if isinstance(value, list):
        return {"L": [_to_typed(element) for element in value]}
    if isinstance(value, dict):
        return {"M": {name: _to_typed(value[name]) for name in sorted(value)}}
    raise TypeError(f"not a DynamoDB value: {type(value).__name__}")


def _ordered(item: dict[str, Any], key_names: Sequence[str]) -> list[str]:
    first = [name for name in key_names if name in item]
    return first + sorted(name for name in item if name not in first)


def _write(value: Any, indent: str | None, depth: int, out: list[str]) -> None:
    if isinstance(value, dict):
        _write_pairs(list(value.items()), indent, depth, out)
    elif isinstance(value, list):
        if not value:
            out.append("[]")
            return
        out.append("[")
        for index, element in enumerate(value):
            out.append(("," if index else "") + _newline(indent, depth + 1))
            _write(element, indent, depth + 1, out)
        out.append(_newline(indent, depth) + "]")
    elif isinstance(value, Decimal):
        out.append(str(value))
    else:
        out.append(json.dumps(value, ensure_ascii=False))


def _write_pairs(pairs: list[tuple[str, Any]], indent: str | None, depth: int,
                 out: list[str]) -> None:
    if not pairs:
        out.append("{}")
        return
    out.append("{")
    separator = ": " if indent is not None else ":"
    for index, (name, element) in enumerate(pairs):
        out.append(("," if index else "") + _newline(indent, depth + 1))
        out.append(json.dumps(name, ensure_ascii=False) + separator)
        _write(element, indent, depth + 1, out)
    out.append(_newline(indent, depth) + "}")


def _newline(indent: str | None, depth: int) -> str:
    return "" if indent is None else "\n" + indent * depth


def _shaped(item: dict[str, Any], fmt: str, key_names: Sequence[str]) -> list[tuple[str, Any]]:
    shape = _to_typed if fmt == "dynamodb" else _to_plain
    return [(name, shape(item[name])) for name in _ordered(item, key_names)]


def dump_item(item: dict[str, Any], fmt: str = "plain", key_names: Sequence[str] = ()) -> str:
    """The item as indented JSON: key attributes first, the rest by name, numbers exact."""
    out: list[str] = []
    _write_pairs(_shaped(item, fmt, key_names), "  ", 0, out)
    return "".join(out)


def dump_line(item: dict[str, Any], fmt: str = "plain", key_names: Sequence[str] = ()) -> str:
    """The item as one compact line of JSON, for JSON lines."""
    out: list[str] = []
    _write_pairs(_shaped(item, fmt, key_names), None, 0, out)
    return "".join(out)


def dump_typed_content(value: Any) -> str:
    """What follows a value's type in DynamoDB JSON, compact: [{"S":"a"}] for a list."""
    out: list[str] = []
    _write(next(iter(_to_typed(value).values())), None, 0, out)
    return "".join(out)


def dump_value(value: Any) -> str:
    """One value as compact plain JSON."""
    out: list[str] = []
    _write(_to_plain(value), None, 0, out)
    return "".join(out)


# --- the wire and keys -----------------------------------------------------------------------

def to_wire(item: dict[str, Any]) -> dict[str, Any]:
    """The item as an AttributeValue map for the low-level client."""
    return {name: _serializer.serialize(value) for name, value in item.items()}


def from_wire(attributes: dict[str, Any]) -> dict[str, Any]:
    """The python item an AttributeValue map stands for."""
    return {name: _deserializer.deserialize(value) for name, value in attributes.items()}


KEY_TYPES = frozenset({"S", "N", "B"})


def type_label(value: object) -> str:
    """The DynamoDB type of a python value: S, N, B, BOOL, NULL, L, M, SS, NS or BS."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, str):
        return "S"
    if isinstance(value, (Decimal, int)):
        return "N"
    if isinstance(value, (Binary, bytes, bytearray)):
        return "B"
    if isinstance(value, (set, frozenset)):
        return next(iter(_to_typed(value)))
    if isinstance(value, list):
        return "L"
    return "M"


def check_key(item: dict[str, Any], partition_key: KeyAttribute,
              sort_key: KeyAttribute | None) -> None:
    """Refuse an item whose key attributes are missing, empty or of the wrong type."""
    for key in (partition_key, sort_key):
        if key is None:
            continue
        if key.name not in item:
            raise _item_error(N_("The item has no %(name)s: every item needs its key attribute "
                                 "%(name)s (type %(type)s)."), name=key.name, type=key.type)
        actual = type_label(item[key.name])
        if actual != key.type:
            raise _item_error(N_("The key attribute %(name)s must be of type %(type)s, but this "
                                 "one is %(actual)s."), name=key.name, type=key.type, actual=actual)
        if item[key.name] in ("", Binary(b"")):
            raise _item_error(N_("The key attribute %(name)s cannot be empty."), name=key.name)


def key_of(item: dict[str, Any], key_names: Sequence[str]) -> dict[str, Any]:
    """The item's key attributes."""
    return {name: item[name] for name in key_names if name in item}


def item_key_token(item: dict[str, Any], key_names: Sequence[str]) -> str:
    """The token for a python item's key, as links to the item editor carry it."""
    return encode_key(to_wire(key_of(item, key_names)))


def encode_key(wire_key: dict[str, Any]) -> str:
    """A URL-safe token for an AttributeValue key map (LastEvaluatedKey, an item's key)."""
    typed = dump_line(from_wire(wire_key), "dynamodb")
    return base64.urlsafe_b64encode(typed.encode("utf-8")).decode("ascii").rstrip("=")


_BAD_KEY = N_("The item key in this link is damaged; open the item from the table again.")


def decode_key(token: str) -> dict[str, Any]:
    """The AttributeValue key map a token from encode_key stands for."""
    try:
        if not token or len(token) > MAX_KEY_TOKEN:
            raise ValueError(token)
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8")
        item = item_from_json(load_json(text), "dynamodb")
        if not 1 <= len(item) <= 4 or any(type_label(value) not in KEY_TYPES
                                           for value in item.values()):
            raise ValueError(token)
    except (ValueError, ConsoleError, binascii.Error, UnicodeDecodeError) as err:
        raise InvalidInput(_BAD_KEY, field="key") from err
    return to_wire(item)


def cell_text(value: object, limit: int = 80) -> str:
    """A value for a table cell: strings as they are, the rest as compact JSON, cut at `limit`."""
    text = value if isinstance(value, str) else dump_value(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
