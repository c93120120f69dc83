"""What a mapping template may read and call: an explicit allow-list per type, never getattr.

Mapping templates are written by whoever may configure an API and run on unauthenticated stage
requests, so a template must not reach Python: attribute access by name would lead from any
value to `__class__`, `__globals__` and on to `os.system`, and `str.format` reads attributes
too. So a template's values are JSON's (null, booleans, numbers, strings, lists, maps) or
objects registered with `expose` ($input, $util), and a member is looked up in tables keyed by
the value's exact type. What the tables hold is what API Gateway's docs and everyday templates
call on Java's String, List and Map:

* strings: length isEmpty contains startsWith endsWith equals equalsIgnoreCase indexOf
  lastIndexOf substring charAt toLowerCase toUpperCase trim replace concat split toString
  (split takes a literal separator: regular expressions are not run, as a pattern could
  backtrack for ever and nothing can interrupt Python's regex engine);
* lists: size isEmpty get contains indexOf toString equals;
* maps: get containsKey keySet values entrySet size isEmpty toString equals, and `$map.key`;
* numbers and booleans: toString equals.

Anything else is null, as Velocity answers for a member a class does not have; a member that
throws (Java's substring out of range, base64 that is not) fails the template. Comparing and
printing walk lists and maps within the render's budget. The functions here take only values,
so they could wrap another VTL engine (airspeed) as well as ours.
"""
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from webapp.sandbox.apigateway.vtl_budget import TemplateError, check_text, current

Method = Callable[..., Any]
Property = Callable[[Any], Any]
JSON_TYPES = (type(None), bool, int, float, str, list, dict)
KEY_TYPES = (str, int, float, bool)
# Characters Java's String.trim removes: every one up to and including the space.
JAVA_TRIMMED = "".join(map(chr, range(ord(" ") + 1)))
REGEX_CHARACTERS = frozenset("\\^$.|?*+()[]{}")


@dataclass(frozen=True, slots=True)
class Members:
    """What a template may use of an exposed type: properties `$x.name`, methods `$x.name()`."""

    properties: Mapping[str, Property] = field(default_factory=dict)
    methods: Mapping[str, Method] = field(default_factory=dict)


_EXPOSED: dict[type, Members] = {}


def expose(kind: type, properties: Mapping[str, Property] | None = None,
           methods: Mapping[str, Method] | None = None) -> None:
    """Let templates use these members of `kind`'s objects (methods get the object first)."""
    _EXPOSED[kind] = Members(MappingProxyType(dict(properties or {})),
                             MappingProxyType(dict(methods or {})))


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
    return None


def index(target: Any, key: Any) -> Any:
    """`$target[key]`: a map's entry or a list's item, else null."""
    current().step()
    if type(target) is dict:
        return _entry(target, key)
    if type(target) is list and type(key) is int and 0 <= key < len(target):
        return target[key]
    return None


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
    """Java's String.split for a literal separator: trailing empty strings are dropped."""
    literal = _text(separator)
    if not literal or REGEX_CHARACTERS & set(literal):
        raise TemplateError("split() takes a literal separator here: the sandbox does not run "
                            "regular expressions")
    count = text.count(literal)
    if not count:
        return [text]
    current().step(count)
    current().build(len(text))
    parts = text.split(literal)
    while parts and not parts[-1]:
        parts.pop()
    return parts


def _list_get(items: list[Any], position: Any) -> Any:
    at = _integer(position)
    if not 0 <= at < len(items):
        raise IndexError(f"index {at}, size {len(items)}")
    return items[at]


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
}
LIST_METHODS: dict[str, Method] = {
    **COMMON_METHODS,
    "size": len,
    "isEmpty": lambda items: not items,
    "get": _list_get,
    "contains": lambda items, wanted: _index_of(items, wanted) >= 0,
    "indexOf": _index_of,
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
}
BUILTIN_METHODS: dict[type, dict[str, Method]] = {
    str: STRING_METHODS, list: LIST_METHODS, dict: MAP_METHODS,
    int: COMMON_METHODS, float: COMMON_METHODS, bool: COMMON_METHODS,
}
