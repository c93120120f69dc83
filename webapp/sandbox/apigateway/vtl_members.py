"""What a mapping template may read and call: an explicit allow-list per type, never getattr.

Mapping templates are written by whoever may configure an API and run on unauthenticated stage
requests, so a template must not reach Python: attribute access by name would lead from any
value to `__class__`, `__globals__` and on to `os.system`, and `str.format` reads attributes
too. So a template's values are JSON's (null, booleans, numbers, strings, lists, maps) or
objects registered with `expose` ($input, $util), and a member is looked up in tables keyed by
the value's exact type. What the tables hold is what API Gateway's docs and everyday templates
call on Java's String, List and Map:

* strings: length isEmpty contains startsWith endsWith equals equalsIgnoreCase indexOf
  lastIndexOf substring charAt toLowerCase toUpperCase trim replace concat split toString,
  and the regular expressions' matches replaceAll replaceFirst (and split by one), run by RE2:
  a pattern could make Python's backtracking engine run for ever, RE2's time is linear in the
  text, and Java's `$1` in a replacement names a group as it does in Java;
* lists: size isEmpty get contains indexOf toString equals, and add addAll set remove to change
  them (each item a step of the budget);
* maps: get containsKey containsValue keySet values entrySet size isEmpty toString equals,
  put putAll remove, `$map.key`, and `#set($map.key = …)` / `#set($map['key'] = …)`;
* numbers and booleans: toString equals.

An exposed type may also let templates read entries by any name (`entries`) and set them
(`assign`), as $context.responseOverride does.

Anything else is null, as Velocity answers for a member a class does not have; a member that
throws (Java's substring out of range, base64 that is not) fails the template. Comparing and
printing walk lists and maps within the render's budget. The functions here take only values,
so they could wrap another VTL engine (airspeed) as well as ours.
"""
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import re2

from webapp.sandbox.apigateway.vtl_budget import TemplateError, check_text, current

Method = Callable[..., Any]
Property = Callable[[Any], Any]
JSON_TYPES = (type(None), bool, int, float, str, list, dict)
KEY_TYPES = (str, int, float, bool)
# Characters Java's String.trim removes: every one up to and including the space.
JAVA_TRIMMED = "".join(map(chr, range(ord(" ") + 1)))
REGEX_CHARACTERS = frozenset("\\^$.|?*+()[]{}")
# RE2 reads a text about this many times slower than a template step reads SCAN_CHARS.
REGEX_WEIGHT = 4
_REGEX_OPTIONS = re2.Options()
_REGEX_OPTIONS.log_errors = False
GROUP_REFERENCE = re2.compile(r"\{([A-Za-z][A-Za-z0-9]*)\}|(\d)")
Entries = Callable[[Any, Any], Any]
Assigner = Callable[[Any, Any, Any], None]


@dataclass(frozen=True, slots=True)
class Members:
    """What a template may use of an exposed type: properties `$x.name`, methods `$x.name()`."""

    properties: Mapping[str, Property] = field(default_factory=dict)
    methods: Mapping[str, Method] = field(default_factory=dict)
    entries: Entries | None = None
    assign: Assigner | None = None


_EXPOSED: dict[type, Members] = {}


def expose(kind: type, properties: Mapping[str, Property] | None = None,
           methods: Mapping[str, Method] | None = None, entries: Entries | None = None,
           assigner: Assigner | None = None) -> None:
    """Let templates use these members of `kind`'s objects (methods get the object first);
    `entries(object, key)` answers `$object.key` for keys that are no property, and
    `assigner(object, key, value)` runs `#set($object.key = value)`."""
    _EXPOSED[kind] = Members(MappingProxyType(dict(properties or {})),
                             MappingProxyType(dict(methods or {})), entries, assigner)


class _NoSuchMethod(Exception):
    """The arguments fit no signature of the Java method: Velocity answers null."""


def read(target: Any, name: str) -> Any:
    """`$target.name`: a map's entry, or a property an exposed type lists."""
    current().step()
    if type(target) is dict:
        return _entry(target, name)
    exposed = _EXPOSED.get(type(target))
    if exposed is not None and name in exposed.properties:
        return _admit(exposed.properties[name](target))
    if exposed is not None and exposed.entries is not None:
        return _admit(exposed.entries(target, name))
    return None


def index(target: Any, key: Any) -> Any:
    """`$target[key]`: a map's entry or a list's item, else null."""
    current().step()
    if type(target) is dict:
        return _entry(target, key)
    if type(target) is list and type(key) is int and 0 <= key < len(target):
        return target[key]
    exposed = _EXPOSED.get(type(target))
    if exposed is not None and exposed.entries is not None and type(key) is str:
        return _admit(exposed.entries(target, key))
    return None


def assign(target: Any, key: Any, value: Any) -> None:
    """`#set($target.key = value)` or `#set($target[key] = value)`: a map's entry, a list's
    item in range, an exposed type's assigner; anything else is left as it is."""
    current().step()
    if type(target) is dict and type(key) in KEY_TYPES:
        target[key] = value
    elif type(target) is list and type(key) is int and 0 <= key < len(target):
        target[key] = value
    else:
        exposed = _EXPOSED.get(type(target))
        if exposed is not None and exposed.assign is not None:
            exposed.assign(target, key, value)


def call(target: Any, name: str, arguments: list[Any]) -> Any:
    """`$target.name(arguments)`, when the target's type lists the method.

    Texts given to a method are paid for by their length (reading them is the method's work);
    its answer, if text, by the text budget.
    """
    current().scan(sum(len(value) for value in (target, *arguments) if type(value) is str))
    method = _methods(target).get(name)
    if method is None:
        return None
    try:
        result = method(target, *arguments)
    except (_NoSuchMethod, TypeError):  # no signature fits: Velocity finds no method
        return None
    except (TemplateError, RecursionError):
        raise
    except Exception as err:  # what Java would throw fails the template, as it does in AWS
        raise TemplateError(f"{name}() failed: {_reason(err)}") from None
    if type(result) is str:
        current().build(len(result))
    return _admit(result)


def to_text(value: Any) -> str:
    """How VTL prints a value: Java's toString for lists and maps, nothing for null."""
    if type(value) is str:
        return value
    if value is None or _EXPOSED.get(type(value)) is not None:
        return ""
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) is float and value.is_integer():
        return str(int(value))
    if type(value) in (int, float):
        return str(value)
    printer = _Printer()
    printer.write(value)
    return printer.text()


def equal(left: Any, right: Any) -> bool:
    """Java's equals: by value through lists and maps, booleans never equal to numbers."""
    budget = current()
    budget.step()
    if left is right:
        return True
    if type(left) is bool or type(right) is bool:
        return type(left) is type(right) and left == right
    if type(left) is list and type(right) is list:
        return len(left) == len(right) and all(map(equal, left, right))
    if type(left) is dict and type(right) is dict:
        return left.keys() == right.keys() and all(equal(item, right[key])
                                                   for key, item in left.items())
    if type(left) in (list, dict) or type(right) in (list, dict):
        return False
    if type(left) is str and type(right) is str:
        budget.scan(min(len(left), len(right)))
    return bool(left == right)


class _Printer:
    """Lists and maps as text, every item a step, never past the payload quota."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._budget = current()

    def write(self, value: Any) -> None:
        self._budget.step()
        if type(value) is list:
            self._add("[")
            for position, item in enumerate(value):
                self._add(", " if position else "")
                self.write(item)
            self._add("]")
        elif type(value) is dict:
            self._add("{")
            for position, (key, item) in enumerate(value.items()):
                self._add((", " if position else "") + to_text(key) + "=")
                self.write(item)
            self._add("}")
        else:
            self._add(to_text(value))

    def text(self) -> str:
        self._budget.build(self._length)
        return "".join(self._parts)

    def _add(self, text: str) -> None:
        self._length += len(text)
        check_text(self._length)
        self._parts.append(text)


def _methods(target: Any) -> Mapping[str, Method]:
    exposed = _EXPOSED.get(type(target))
    if exposed is not None:
        return exposed.methods
    return BUILTIN_METHODS.get(type(target), {})


def _admit(value: Any) -> Any:
    """A member's answer, if it is something a template may hold."""
    return value if type(value) in JSON_TYPES or type(value) in _EXPOSED else None


def _entry(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key) if type(key) in KEY_TYPES else None


def _reason(err: Exception) -> str:
    return str(err).splitlines()[0][:200] if str(err) else "error"


def _text(value: Any) -> str:
    if type(value) is not str:
        raise _NoSuchMethod
    return value


def _integer(value: Any) -> int:
    if type(value) is not int:
        raise _NoSuchMethod
    return value


def _substring(text: str, begin: Any, end: Any = None) -> str:
    start = _integer(begin)
    stop = len(text) if end is None else _integer(end)
    if not 0 <= start <= stop <= len(text):
        raise IndexError(f"begin {start}, end {stop}, length {len(text)}")
    return text[start:stop]


def _char_at(text: str, position: Any) -> str:
    at = _integer(position)
    if not 0 <= at < len(text):
        raise IndexError(f"index {at}, length {len(text)}")
    return text[at]


def _replace(text: str, old: Any, new: Any) -> str:
    target, replacement = _text(old), _text(new)
    count = text.count(target) if target else len(text) + 1
    current().build(len(text) + count * (len(replacement) - len(target)))
    return text.replace(target, replacement)


def _concat(text: str, other: Any) -> str:
    current().build(len(text) + len(_text(other)))
    return text + other


def _split(text: str, separator: Any) -> list[str]:
    """Java's String.split: by a regular expression (RE2) or, without its characters, a literal
    separator; trailing empty strings are dropped."""
    literal = _text(separator)
    if not literal or REGEX_CHARACTERS & set(literal):
        return _regex_split(text, _regex(literal))
    count = text.count(literal)
    if not count:
        return [text]
    current().step(count)
    current().build(len(text))
    return _without_trailing_empties(text.split(literal))


def _without_trailing_empties(parts: list[str]) -> list[str]:
    while parts and not parts[-1]:
        parts.pop()
    return parts


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> Any:
    try:
        return re2.compile(pattern, _REGEX_OPTIONS)
    except re2.error as err:  # Java's PatternSyntaxException fails the template
        raise TemplateError(f"invalid regular expression {pattern[:100]!r}: {err}") from None


def _regex(pattern: Any) -> Any:
    return _compiled(_text(pattern))


def _regex_split(text: str, regex: Any) -> list[str]:
    current().scan(len(text), REGEX_WEIGHT)
    parts: list[str] = []
    start = 0
    for match in regex.finditer(text):
        if match.end() == 0:  # a zero-width match at the start makes no leading empty string
            continue
        current().step()
        parts.append(text[start:match.start()])
        start = match.end()
    parts.append(text[start:])
    return _without_trailing_empties(parts) if len(parts) > 1 else [text]


def _matches(text: str, pattern: Any) -> bool:
    regex = _regex(pattern)
    current().scan(len(text), REGEX_WEIGHT)
    return regex.fullmatch(text) is not None


def _replacer(replacement: str, regex: Any) -> Callable[[Any], str]:
    """Java's replacement text: `$n` or `${name}` is a group, a backslash quotes what follows.
    A group the regex lacks, or a $ naming none, throws as Java does (failing the template)."""
    parts: list[tuple[bool, Any]] = []  # (is it a group, the group or the literal text)
    at = 0
    while at < len(replacement):
        char = replacement[at]
        if char == "\\" and at + 1 < len(replacement):
            parts.append((False, replacement[at + 1]))
            at += 2
        elif char == "$":
            group = GROUP_REFERENCE.match(replacement, at + 1)
            if group is None:
                raise ValueError("a $ in the replacement names no group")
            name: Any = group[1] if group[1] is not None else int(group[2])
            if name not in regex.groupindex and not (type(name) is int and name <= regex.groups):
                raise ValueError(f"no group {name}")
            parts.append((True, name))
            at = group.end()
        else:
            parts.append((False, char))
            at += 1

    def replace(match: Any) -> str:
        return "".join((match.group(value) or "") if is_group else value
                       for is_group, value in parts)

    return replace


def _replace_regex(text: str, pattern: Any, replacement: Any, count: int) -> str:
    regex = _regex(pattern)
    replace = _replacer(_text(replacement), regex)
    current().scan(len(text), REGEX_WEIGHT)
    pieces: list[str] = []
    length = 0
    start = 0
    for found, match in enumerate(regex.finditer(text)):
        if count and found == count:
            break
        piece = text[start:match.start()] + replace(match)
        length += len(piece)
        check_text(length)
        current().step()
        pieces.append(piece)
        start = match.end()
    pieces.append(text[start:])
    check_text(length + len(text) - start)
    return "".join(pieces)


def _list_get(items: list[Any], position: Any) -> Any:
    at = _integer(position)
    if not 0 <= at < len(items):
        raise IndexError(f"index {at}, size {len(items)}")
    return items[at]


def _list_add(items: list[Any], item: Any) -> bool:
    items.append(item)
    return True


def _list_add_all(items: list[Any], more: Any) -> bool:
    if type(more) is not list:
        raise _NoSuchMethod
    current().step(len(more))
    items.extend(more)
    return bool(more)


def _list_set(items: list[Any], position: Any, item: Any) -> Any:
    previous = _list_get(items, position)
    items[position] = item
    return previous


def _list_remove(items: list[Any], what: Any) -> Any:
    """Java's remove(int) answers the item it removes, remove(Object) whether it found one."""
    if type(what) is int:
        return items.pop(_integer(what)) if 0 <= what < len(items) else _list_get(items, what)
    at = _index_of(items, what)
    if at >= 0:
        del items[at]
    return at >= 0


def _map_put(mapping: dict[Any, Any], key: Any, value: Any) -> Any:
    if type(key) not in KEY_TYPES:
        raise _NoSuchMethod
    previous = mapping.get(key)
    mapping[key] = value
    return previous


def _map_put_all(mapping: dict[Any, Any], more: Any) -> None:
    if type(more) is not dict:
        raise _NoSuchMethod
    current().step(len(more))
    mapping.update(more)


def _listed(items: Iterable[Any], size: int) -> list[Any]:
    """A new list of a map's keys, values or entries: a step an item."""
    current().step(size)
    return list(items)


def _index_of(items: list[Any], wanted: Any) -> int:
    return next((at for at, item in enumerate(items) if equal(item, wanted)), -1)


COMMON_METHODS: dict[str, Method] = {
    "toString": to_text,
    "equals": equal,
}
STRING_METHODS: dict[str, Method] = {
    **COMMON_METHODS,
    "length": len,
    "isEmpty": lambda text: not text,
    "contains": lambda text, part: _text(part) in text,
    "startsWith": lambda text, prefix: text.startswith(_text(prefix)),
    "endsWith": lambda text, suffix: text.endswith(_text(suffix)),
    "equalsIgnoreCase": lambda text, other: type(other) is str
    and text.lower() == other.lower(),
    "indexOf": lambda text, part: text.find(_text(part)),
    "lastIndexOf": lambda text, part: text.rfind(_text(part)),
    "substring": _substring,
    "charAt": _char_at,
    "toLowerCase": str.lower,
    "toUpperCase": str.upper,
    "trim": lambda text: text.strip(JAVA_TRIMMED),
    "replace": _replace,
    "concat": _concat,
    "split": _split,
    "matches": _matches,
    "replaceAll": lambda text, pattern, replacement: _replace_regex(text, pattern, replacement,
                                                                   0),
    "replaceFirst": lambda text, pattern, replacement: _replace_regex(text, pattern,
                                                                     replacement, 1),
}
LIST_METHODS: dict[str, Method] = {
    **COMMON_METHODS,
    "size": len,
    "isEmpty": lambda items: not items,
    "get": _list_get,
    "contains": lambda items, wanted: _index_of(items, wanted) >= 0,
    "indexOf": _index_of,
    "add": _list_add,
    "addAll": _list_add_all,
    "set": _list_set,
    "remove": _list_remove,
}
MAP_METHODS: dict[str, Method] = {
    **COMMON_METHODS,
    "get": _entry,
    "containsKey": lambda mapping, key: type(key) in KEY_TYPES and key in mapping,
    "keySet": lambda mapping: _listed(mapping, len(mapping)),
    "values": lambda mapping: _listed(mapping.values(), len(mapping)),
    "entrySet": lambda mapping: _listed(({"key": key, "value": value}
                                         for key, value in mapping.items()), len(mapping)),
    "size": len,
    "isEmpty": lambda mapping: not mapping,
    "containsValue": lambda mapping, wanted: _index_of(list(mapping.values()), wanted) >= 0,
    "put": _map_put,
    "putAll": _map_put_all,
    "remove": lambda mapping, key: mapping.pop(key, None) if type(key) in KEY_TYPES else None,
}
BUILTIN_METHODS: dict[type, dict[str, Method]] = {
    str: STRING_METHODS, list: LIST_METHODS, dict: MAP_METHODS,
    int: COMMON_METHODS, float: COMMON_METHODS, bool: COMMON_METHODS,
}
