"""The sandbox's CloudWatch Logs filter pattern matcher, on its own: every form AWS documents,
and the patterns AWS refuses."""
from __future__ import annotations

import pytest

from webapp.sandbox.logs.delimited_pattern import message_fields
from webapp.sandbox.logs.event_index import PageToken, matching_in_order, restore_order, window
from webapp.sandbox.logs.filter_pattern import FilterPatternError, compile_pattern


def matches(pattern: str, message: str) -> bool:
    return compile_pattern(pattern)(message)


@pytest.mark.parametrize(("pattern", "message", "expected"), [
    # Everything
    ("", "anything", True),
    ("   ", "anything", True),
    ('" "', "anything", True),
    # Terms: substrings, case-sensitive, ANDed
    ("ERROR", "[ERROR] boom", True),
    ("ERROR", "error boom", False),
    ("ERROR ARGUMENTS", "ERROR: bad ARGUMENTS given", True),
    ("ERROR ARGUMENTS", "ERROR: bad arguments", False),
    ("Task_1 v1.2 a-b", "Task_1 at v1.2 with a-b", True),
    # Quoted phrases
    ('"INTERNAL SERVER ERROR"', "500 INTERNAL SERVER ERROR", True),
    ('"INTERNAL SERVER ERROR"', "INTERNAL ERROR SERVER", False),
    ('"say \\"hi\\""', 'they say "hi" loudly', True),
    ('"[ERROR]" timeout', "[ERROR] timeout reached", True),
    # Exclusions
    ("ERROR -DEBUG", "ERROR in DEBUG mode", False),
    ("ERROR -DEBUG", "ERROR in prod", True),
    ('-"health check"', "GET / health check", False),
    ("-DEBUG", "INFO line", True),
    # Alternatives
    ("?ERROR ?WARN", "WARN low disk", True),
    ("?ERROR ?WARN", "INFO all fine", False),
    ('?ERROR ?"Task timed out"', "Task timed out after 3.00 seconds", True),
    ("REPORT ?Init ?Cold", "REPORT Duration", False),
    ("REPORT ?Init ?Cold", "REPORT Init Duration", True),
    # Regex
    ("%AUTHORIZED%", "[ERROR 401] UNAUTHORIZED REQUEST", True),
    ("%^\\[ERROR%", "[ERROR] x", True),
    ("%^\\[ERROR%", "x [ERROR]", False),
    ("%colou?r%", "nice color", True),
    ("%[0-9]{3} ms%", "took 123 ms", True),
    ("?%^WARN% ?Exception", "NullPointerException", True),
    # JSON: strings, wildcards, numbers, nesting, arrays
    ('{ $.level = "ERROR" }', '{"level": "ERROR"}', True),
    ('{ $.level = "ERROR" }', '{"level": "INFO"}', False),
    ('{ $.level = "ERROR" }', "level = ERROR", False),
    ('{ $.level = "ERROR" }', '["ERROR"]', False),
    ("{ $.level = ERROR }", '{"level": "ERROR"}\n', True),
    ('{ $.level != "ERROR" }', '{"level": "INFO"}', True),
    ('{ $.level != "ERROR" }', '{"other": 1}', False),
    ('{ $.path = "/api/*" }', '{"path": "/api/users"}', True),
    ('{ $.path = "/api/*" }', '{"path": "/web/api/users"}', False),
    ("{ $.ip = 10.0.* }", '{"ip": "10.0.3.4"}', True),
    ("{ $.msg = %time[a-z]+% }", '{"msg": "a timeout"}', True),
    ("{ $.latency > 500 }", '{"latency": 750}', True),
    ("{ $.latency > 500 }", '{"latency": 500}', False),
    ("{ $.latency >= 500 }", '{"latency": 500}', True),
    ("{ $.latency < 1.5e3 }", '{"latency": 1499.9}', True),
    ("{ $.latency <= -1 }", '{"latency": -1}', True),
    ("{ $.latency = 200 }", '{"latency": 200.0}', True),
    ("{ $.latency != 200 }", '{"latency": 201}', True),
    ("{ $.latency > 5 }", '{"latency": "750"}', False),
    ("{ $.latency = 200 }", '{"latency": true}', False),
    ("{ $.user.id = 7 }", '{"user": {"id": 7}}', True),
    ("{ $.user.id = 7 }", '{"user": 7}', False),
    ('{ $.users[0].email = "a@b.c" }', '{"users": [{"email": "a@b.c"}]}', True),
    ('{ $.users[1].email = "a@b.c" }', '{"users": [{"email": "a@b.c"}]}', False),
    ('{ $.tags[1] = "b" }', '{"tags": ["a", "b"]}', True),
    ('{ $.Resp.X-Amz-Id = "1" }', '{"Resp": {"X-Amz-Id": "1"}}', True),
    # JSON: IS NULL / TRUE / FALSE, NOT EXISTS
    ("{ $.user IS NULL }", '{"user": null}', True),
    ("{ $.user IS NULL }", '{}', False),
    ("{ $.user NOT EXISTS }", '{}', True),
    ("{ $.user NOT EXISTS }", '{"user": null}', False),
    ("{ $.ok IS TRUE }", '{"ok": true}', True),
    ("{ $.ok IS TRUE }", '{"ok": 1}', False),
    ("{ $.ok IS FALSE }", '{"ok": false}', True),
    # JSON: && before ||, parentheses
    ('{ $.a = 1 && $.b = 2 }', '{"a": 1, "b": 2}', True),
    ('{ $.a = 1 && $.b = 2 }', '{"a": 1, "b": 3}', False),
    ('{ $.a = 1 || $.b = 2 && $.c = 3 }', '{"a": 1}', True),
    ('{ ($.a = 1 || $.b = 2) && $.c = 3 }', '{"a": 1}', False),
    ('{ ($.a = 1 || $.b = 2) && $.c = 3 }', '{"b": 2, "c": 3}', True),
    ('{ (($.a = 1)) }', '{"a": 1}', True),
    # Space-delimited
    ("[ip, user, timestamp, request, status, bytes]",
     '127.0.0.1 frank [10/Oct/2000:13:55:36 -0700] "GET /a.html HTTP/1.0" 404 1534', True),
    ("[ip, user, timestamp, request, status, bytes]", "too few fields", False),
    ("[ip, user, ..., status = 404, bytes > 1000]",
     '127.0.0.1 frank [10/Oct/2000:13:55:36 -0700] "GET /a.html HTTP/1.0" 404 1534', True),
    ("[ip, user, ..., status = 4*, bytes>1000]",
     '127.0.0.1 frank [10/Oct/2000:13:55:36 -0700] "GET /a.html HTTP/1.0" 404 999', False),
    ("[..., request = *html*, status, bytes]",
     '127.0.0.1 frank [10/Oct/2000:13:55:36 -0700] "GET /a.html HTTP/1.0" 404 1534', True),
    ("[ip, ..., status = 4* || status = 5*, bytes]", "1.2.3.4 x y 503 12", True),
    ("[ip, ..., status = 4* || status = 5*, bytes]", "1.2.3.4 x y 200 12", False),
    ("[ip, ..., bytes > 10 && bytes < 20]", "1.2.3.4 15", True),
    ("[ip, ..., bytes > 10 && < 20]", "1.2.3.4 25", False),
    ("[ip != 10.*, ...]", "10.0.0.1 a b", False),
    ("[ip = %^10\\.%, ...]", "10.0.0.1 a b", True),
    ('[w1 = "ERROR", w2]', "ERROR timeout", True),
    ("[..., last = done]", "done", True),
    ("[a, ..., b, ..., c]", "1 2 3 4 5", True),
    ("[a, ..., b, ..., c]", "1 2", False),
])
def test_pattern_matches_like_aws(pattern: str, message: str, expected: bool) -> None:
    assert matches(pattern, message) is expected


@pytest.mark.parametrize(("pattern", "problem"), [
    ("someone@example.com", "Invalid character(s) in term 'someone@example.com'"),
    ("!(", "Invalid character(s) in term '!('"),
    ("ERROR!", "Invalid character(s) in term 'ERROR!'"),
    ("-", "Invalid character(s) in term '-'"),
    ("?", "Invalid character(s) in term '?'"),
    ('""', "Invalid character(s) in term '\"\"'"),
    ('"abc"def', "Invalid character(s) in term '\"abc\"def'"),
    ('"unclosed phrase', "Unbalanced quotes in term '\"unclosed phrase'"),
    ("%abc", "Unbalanced '%'"),
    ("%a(b)%", "Invalid character(s) in regex '%a(b)%'"),
    ("%something!%", "Invalid character(s) in regex"),
    ("%a{2,1}%", "Invalid regex"),
    ('{ $.level = "ERROR"', "Unbalanced braces"),
    ("{ ($.a = 1 }", "Unbalanced parentheses"),
    ("{ $.a = 1) }", "Unexpected ')'"),
    ('{ $.a < "x" }', "Operator '<' needs a number"),
    ("{ level = 1 }", "Expected a selector"),
    ("{ $ = 1 }", "Invalid selector '$'"),
    ("{ $.a }", "Unexpected end"),
    ("{ $.a IS MAYBE }", "Expected NULL, TRUE or FALSE"),
    ("{ $.a NOT THERE }", "Expected EXISTS"),
    ("{ $.a = 1 $.b = 2 }", "Unexpected '$.b'"),
    ("{ $.a =< 1 }", "Expected a value after '='"),
    ("{ $.a ! 1 }", "Invalid operator '!'"),
    ("[a, b", "Unbalanced brackets"),
    ("[a, a]", "Duplicate field name 'a'"),
    ("[a, , b]", "Empty field"),
    ("[1a, b]", "Invalid field name '1a'"),
    ("[a = 1 b]", "Unexpected 'b'"),
    ("[a = 1 || b = 2, b]", "Condition on 'b' inside field 'a'"),
    ('[a = "x, b]', "Unbalanced quotes"),
])
def test_malformed_pattern_is_refused_with_the_problem_named(pattern: str, problem: str) -> None:
    with pytest.raises(FilterPatternError) as raised:
        compile_pattern(pattern)
    assert problem in str(raised.value)


def test_message_fields_group_quotes_and_brackets() -> None:
    line = '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.0" 200 2326'
    assert message_fields(line) == ["127.0.0.1", "-", "frank", "10/Oct/2000:13:55:36 -0700",
                                    "GET /a HTTP/1.0", "200", "2326"]
    assert message_fields('{"level": "WARN",  "n": 1}') == ['{"level":', '"WARN",', '"n":', "1}"]
    assert message_fields('unclosed "quote here') == ["unclosed", '"quote', "here"]


class Event:
    """Enough of moto's LogEvent for the index."""

    def __init__(self, timestamp: int, event_id: int) -> None:
        self.timestamp, self.event_id, self.message = timestamp, event_id, f"{timestamp}"


def keys(events: list[Event]) -> list[tuple[int, int]]:
    return [(event.timestamp, event.event_id) for event in events]


def test_restore_order_merges_a_late_batch_and_leaves_an_in_order_one() -> None:
    events = [Event(10, 1), Event(20, 2), Event(30, 3)]
    unchanged = list(events)
    events += [Event(30, 4), Event(40, 5)]
    restore_order(events, 3)
    assert events[:3] == unchanged and keys(events)[3:] == [(30, 4), (40, 5)]
    events += [Event(5, 6), Event(25, 7)]
    restore_order(events, 5)
    assert keys(events) == [(5, 6), (10, 1), (20, 2), (25, 7), (30, 3), (30, 4), (40, 5)]


def test_window_bisects_inclusive_and_exclusive_ends() -> None:
    events = [Event(at, number) for number, at in enumerate([10, 20, 20, 30, 40])]
    assert window(events, 20, 30, end_inclusive=True) == (1, 4)
    assert window(events, 20, 30, end_inclusive=False) == (1, 3)
    assert window(events, None, None, end_inclusive=True) == (0, 5)
    assert window(events, 50, None, end_inclusive=True) == (5, 5)
    assert window(events, 25, 15, end_inclusive=True) == (3, 3)


def test_page_tokens_round_trip_and_garbage_is_no_position() -> None:
    token = PageToken(1_700_000_000_000, 42).encode()
    assert PageToken.decode(token) == PageToken(1_700_000_000_000, 42)
    for garbage in ("", "nonsense", "f/000001", "c2J4MTp4Onk"):
        assert PageToken.decode(garbage) is None


def test_matching_in_order_interleaves_streams_across_uneven_time_slices() -> None:
    # One stream dense and early, one sparse and late, one with a burst in the middle.
    dense = [Event(at, number) for number, at in enumerate(range(0, 5_000))]
    sparse = [Event(at, 10_000 + number) for number, at in enumerate(range(0, 1_000_000, 50_000))]
    burst = [Event(at, 20_000 + number) for number, at in enumerate([2_500] * 300 + [999_999])]
    ranges = [("dense", dense, 0, len(dense)), ("sparse", sparse, 0, len(sparse)),
              ("burst", burst, 0, len(burst))]
    every = [(event.timestamp, event.event_id, name)
             for event, name in matching_in_order(ranges, lambda message: True, 10)]
    assert every == sorted((event.timestamp, event.event_id, name) for name, events, _, _ in ranges
                           for event in events)
    odd = [event.timestamp for event, _ in
           matching_in_order(ranges, lambda message: message.endswith("1"), 3)]
    assert odd == sorted(odd) and len(odd) == sum(
        1 for _, events, _, _ in ranges for event in events if event.message.endswith("1"))
    window_only = [event.timestamp for event, _ in
                   matching_in_order([("dense", dense, 100, 105)], lambda message: True, 1)]
    assert window_only == [100, 101, 102, 103, 104]
    assert list(matching_in_order([("empty", dense, 7, 7)], lambda message: True, 1)) == []
