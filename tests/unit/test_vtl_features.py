"""The VTL features API Gateway's mapping templates use, as Velocity and AWS document them.

Velocity's User Guide and VTL Reference (velocity.apache.org, engine 1.7) document #set into
maps, ranges, #macro, #break, #stop and $foreach; API Gateway's Developer Guide ("Variables for
data transformations", "Override your API's request and response parameters and status codes")
documents $util and $context.responseOverride. Hostile templates are tests/unit/test_vtl_security.
"""
import pytest

from tests.unit.test_vtl_security import render
from webapp.sandbox.apigateway import vtl
from webapp.sandbox.apigateway.overrides import (overridden_headers, overridden_status,
                                                 response_overrides)
from webapp.sandbox.apigateway.vtl_budget import FOREACH_LIMIT, MACRO_DEPTH_LIMIT


# Velocity User Guide, "Maps": `#set($map.key = value)` and `$map.put('key', value)` change a map;
# a map literal is `{"key": value}`.
@pytest.mark.parametrize("template, expected", [
    ('#set($m = {})#set($m.k = "v")$m', "{k=v}"),
    ('#set($m = {})#set($m["k"] = 1)#set($m[\'j\'] = [1, 2])$m', "{k=1, j=[1, 2]}"),
    ('#set($m = {"a": {"b": 1}})#set($m.a.b = 2)$m.a.b', "2"),
    ('#set($m = {"a": 1})$m.put("a", 2)|$m.put("b", 3)|$m', "1||{a=2, b=3}"),
    ('#set($m = {"a": 1})#set($x = $m.remove("a"))$x$m', "1{}"),
    ('#set($m = $input.path(\'$\'))#set($m.name = "Lee")$m.name', "Lee"),
    ('#set($l = [1, 2])#set($l[0] = 9)$l.add(3)$l', "true[9, 2, 3]"),
    ('#set($l = [1])#set($ok = $l.addAll([2, 3]))$l.set(0, 7)$l', "1[7, 2, 3]"),
])
def test_maps_and_lists_are_assigned_and_changed(template: str, expected: str) -> None:
    assert render(template) == expected


def test_what_a_template_changes_stays_in_its_render() -> None:
    shared = {"env": "dev"}
    assert render('$stageVariables.put("env", "prod")#set($stageVariables.more = 1)'
                  "$stageVariables", stage_variables=shared) == "dev{env=prod, more=1}"
    assert shared == {"env": "dev"}


# Velocity User Guide, "Range Operator": [n..m] counts up or down, integers only.
@pytest.mark.parametrize("template, expected", [
    ("#foreach($i in [1..5])$i#end", "12345"),
    ("#foreach($i in [3..1])$i#end", "321"),
    ("#set($r = [-2..2])$r", "[-2, -1, 0, 1, 2]"),
    ("#set($n = 3)#foreach($i in [0..$n])$i#end", "0123"),
    ("#set($r = ['a'..2])[$r]", "[]"),
])
def test_ranges(template: str, expected: str) -> None:
    assert render(template) == expected


def test_a_range_loop_stops_at_aws_iteration_quota() -> None:
    assert render("#foreach($i in [1..5000])x#end") == "x" * FOREACH_LIMIT


def test_a_range_too_long_to_walk_fails_instead_of_filling_memory() -> None:
    with pytest.raises(vtl.TemplateError, match="steps"):
        render("#set($r = [1..100000000000])")


# Velocity User Guide, "Velocimacros": #macro(name $a $b) … #end, called as #name(1 2).
@pytest.mark.parametrize("template, expected", [
    ("#macro(pair $a $b)<$a/$b>#end#pair(1 2)#pair('x', $context.stage)", "<1/2><x/prod>"),
    ("#macro(hello)hi#end#hello()#hello()", "hihi"),
    ("#macro(count $n)#if($n > 0)#count($n - 1)$n#end#end#count(3)", "123"),
    ("#set($a = 'kept')#macro(m $a)$a#end#m(1)$a", "1kept"),
    ("#macro(m $a)$a#end\n#m(5)", "5"),
    ("#nothing(1)", "#nothing(1)"),
])
def test_macros(template: str, expected: str) -> None:
    assert render(template) == expected


def test_runaway_macro_recursion_fails_at_velocity_depth() -> None:
    with pytest.raises(vtl.TemplateError, match=f"more than {MACRO_DEPTH_LIMIT} deep"):
        render("#macro(down)x#down()#end#down()")


# Velocity VTL Reference: "#break - Stops the current directive" (the innermost #foreach);
# "#stop - Stops the template engine", keeping what was rendered.
@pytest.mark.parametrize("template, expected", [
    ("#foreach($i in [1..9])#if($i == 3)#break#end$i#end!", "12!"),
    ("#foreach($i in [1, 2])#foreach($j in [1..9])#if($j > 2)#break#end$i$j,#end#end",
     "11,12,21,22,"),
    ("a#foreach($i in [1, 2])$i#stop#end b", "a1"),
    ("before#if(true)#stop#end after", "before"),
])
def test_break_and_stop(template: str, expected: str) -> None:
    assert render(template) == expected


# Velocity User Guide, "Loops": $foreach.hasNext, index (from 0), count (from 1), first, last;
# Velocity 1.7 still names $velocityCount (from 1) and $velocityHasNext.
def test_foreach_state() -> None:
    assert render("#foreach($x in ['a', 'b'])$foreach.index$foreach.count$foreach.hasNext"
                  "$foreach.first$foreach.last$velocityCount$velocityHasNext;#end") == \
        "01truetruefalse1true;12falsefalsetrue2false;"


def test_an_inner_foreach_gives_the_outer_its_state_back() -> None:
    assert render("#foreach($i in [1, 2])#foreach($j in [7])$foreach.parent.count#end"
                  "$foreach.hasNext,#end[$foreach][$j]") == "1true,2false,[][]"


def test_a_map_loops_over_its_values() -> None:
    assert render('#foreach($v in {"a": 1, "b": 2})$v#end') == "12"


@pytest.mark.parametrize("template, expected", [
    ("#set($x = 7 / 2)$x|#set($x = -7 / 2)$x|#set($x = 7 % 3)$x|#set($x = -7 % 3)$x", "3|-3|1|-1"),
    ("#set($x = 2 * 3 + 4)$x|#set($x = 2 * (3 + 4))$x|#set($x = 7.5 / 2)$x", "10|14|3.75"),
    ("#set($x = 1 / 0)[$x]#set($y = 'a' * 2)[$y]", "[][]"),
    ("#set($n = 5)#set($x = -$n)$x|#set($x = $n -1)$x|#set($x = [-1, - 2])$x", "-5|4|[-1, -2]"),
    ("#if(1 == 1.0)a#end#if('1' == 1)b#end#if(true == 'true')c#end#if($none == $null)d#end",
     "abcd"),
    ("#if(false)a#elseif(!true)b#elseif(1 < 2 && (false || 'x'))c#else d#end", "c"),
])
def test_arithmetic_and_conditions(template: str, expected: str) -> None:
    assert render(template) == expected


@pytest.mark.parametrize("template, expected", [
    ("$input.body.replaceAll('[0-9]+', '#')", "a# b# c#"),
    ("$input.body.replaceAll('([a-z])([0-9]+)', '$2$1')", "12a 3b 456c"),
    ("$input.body.replaceAll('(?P<d>[0-9]+)', '<${d}>')", "a<12> b<3> c<456>"),
    ("$input.body.replaceFirst('[0-9]', '_')|$input.body.replaceAll(' ', '\\\\$')",
     "a_2 b3 c456|a12$b3$c456"),
    ("$input.body.matches('a[0-9]+ .*')|$input.body.matches('b.*')", "true|false"),
    ("$input.body.split('[0-9]+ ?')", "[a, b, c]"),
    ("$input.body.split(' ').size()$input.body.length()$input.body.toUpperCase()",
     "311A12 B3 C456"),
])
def test_regular_expression_members(template: str, expected: str) -> None:
    assert render(template, body="a12 b3 c456") == expected


@pytest.mark.parametrize("template", ["$input.body.replaceAll('(', 'x')",
                                      "$input.body.replaceAll('a', '$1')"])
def test_a_bad_regular_expression_fails_the_template(template: str) -> None:
    with pytest.raises(vtl.TemplateError):
        render(template, body="abc")


# API Gateway Developer Guide, "Variables for data transformations", $util.
@pytest.mark.parametrize("template, expected", [
    # escapeJavaScript: "Escapes the characters in a string using JavaScript string rules ...
    # will turn any regular single quotes (') into escaped ones (\')".
    ("$util.escapeJavaScript($input.body)", "it\\'s \\\"a\\/b\\\"\\n\\t\\u00E9\\\\"),
    # urlEncode: "Converts a string into 'application/x-www-form-urlencoded' format."
    ("$util.urlEncode('a b/c~d*e.f-g_h&=é')", "a+b%2Fc%7Ed*e.f-g_h%26%3D%C3%A9"),
    ("$util.urlDecode('a+b%2Fc')", "a b/c"),
    ("$util.base64Encode('hi there')|$util.base64Decode('aGkgdGhlcmU=')", "aGkgdGhlcmU=|hi there"),
    # parseJson: "Takes "stringified" JSON and returns an object representation of the result."
    ("#set($o = $util.parseJson('{\"a\": [1, {\"b\": true}]}'))$o.a[1].b|$o.a.size()", "true|2"),
    ("[$util.parseJson($nothing)][$util.parseJson('')][$util.parseJson('  ')]", "[][][]"),
    ("[$util.base64Encode(5)][$util.urlEncode($nothing)]", "[][]"),
])
def test_util_functions(template: str, expected: str) -> None:
    assert render(template, body="it's \"a/b\"\n\té\\") == expected


@pytest.mark.parametrize("template, expected", [
    ("$input.path('$.name')|$input.path('$.tags[1]')|$input.path('$.missing')|", "Kim|b||"),
    ("$input.json('$.tags')|$input.json('$.name')|$input.json('$.missing')",
     '["a", "b"]|"Kim"|null'),
    ("$input.params().path|$input.params().querystring|$input.params('q')", "{id=7}|{q=1}|1"),
])
def test_input_members(template: str, expected: str) -> None:
    assert render(template, body='{"name": "Kim", "tags": ["a", "b"]}') == expected


# Developer Guide, "Override your API's request and response parameters and status codes".
def test_response_overrides_are_read_after_the_template() -> None:
    overrides = response_overrides()
    variables = {"context": {"responseOverride": overrides}}
    rendered = vtl.render('#set($context.responseOverride.status = 418)'
                          '#set($context.responseOverride.header.X-Mood = "teapot")'
                          "$context.responseOverride.status", variables)
    assert rendered == "418"
    assert overridden_status(overrides, 200) == 418
    assert overridden_headers(overrides, [("Content-Type", "application/json"),
                                          ("x-mood", "calm")]) == [
        ("Content-Type", "application/json"), ("X-Mood", "teapot")]


def test_an_override_is_final() -> None:
    """AWS: "An override may only be applied to each parameter once. If you try to override the
    same parameter multiple times, API Gateway returns a 5XX response." """
    variables = {"context": {"responseOverride": response_overrides()}}
    with pytest.raises(vtl.TemplateError, match="more than once"):
        vtl.render("#set($context.responseOverride.status = 400)"
                   "#set($context.responseOverride.status = 401)", variables)


def test_a_null_override_is_not_applied() -> None:
    overrides = response_overrides()
    vtl.render("#set($context.responseOverride.status = $nothing)",
               {"context": {"responseOverride": overrides}})
    assert overridden_status(overrides, 201) == 201


def test_an_override_that_is_no_status_code_fails() -> None:
    overrides = response_overrides()
    vtl.render("#set($context.responseOverride.status = 'teapot')",
               {"context": {"responseOverride": overrides}})
    with pytest.raises(vtl.TemplateError, match="no HTTP status code"):
        overridden_status(overrides, 200)


@pytest.mark.parametrize("template", [
    "#set($l = [1])#foreach($i in [1..40])#set($ok = $l.addAll($l))#end",
    "#set($m = {})$m.put('self', $m)$m",
    "#set($l = [])#set($ok = $l.add($l))$l",
])
def test_what_templates_change_stays_within_the_budget(template: str) -> None:
    with pytest.raises(vtl.TemplateError):
        render(template)
