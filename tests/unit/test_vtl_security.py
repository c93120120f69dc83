"""Mapping templates are untrusted: they reach only VTL's documented members, within budgets.

A template runs on every unauthenticated stage request, so anything that reaches Python
(attributes by name, `format`, method objects) or that grows without bound (loops, doubling
strings, nesting) must render as nothing or fail with TemplateError, never leak or hang.
"""
import json
import re
from types import SimpleNamespace
from typing import Any

import pytest

from webapp.sandbox.apigateway import vtl
from webapp.sandbox.apigateway.mapping import Input, Util
from webapp.sandbox.apigateway.vtl_budget import (FOREACH_LIMIT, PAYLOAD_LIMIT, SCAN_CHARS,
                                                  STEP_LIMIT)

# What a leaked Python object looks like once printed.
PYTHON_TRACES = re.compile(r"<[a-z_]|object at 0x|__|function|method|module|class|mappingproxy")
# A list literal of as many items as a #foreach may take.
THOUSAND = "#set($l = [" + ", ".join(map(str, range(FOREACH_LIMIT))) + "])"
BODY = json.dumps({"name": "Kim", "tags": ["a", "b"], "many": list(range(FOREACH_LIMIT * 3))})


def variables(body: str = BODY, stage_variables: dict[str, str] | None = None) -> dict[str, Any]:
    """What mapping.template_variables gives a template, around a stand-in request."""
    request = SimpleNamespace(query=(("q", "1"),), headers=(("Accept", "*/*"),))
    call = SimpleNamespace(request=request, match=SimpleNamespace(path_parameters={"id": "7"}))
    return {"input": Input(call, body), "util": Util(),  # type: ignore[arg-type]
            "context": {"stage": "prod", "identity": {"sourceIp": "1.2.3.4"}},
            "stageVariables": stage_variables if stage_variables is not None else {"env": "dev"}}


def render(template: str, **options: Any) -> str:
    return vtl.render(template, variables(**options))


@pytest.mark.parametrize("template", [
    "$input.__class__",
    "$input.__class__.__mro__",
    "$input.__reduce__()",
    "$input.__reduce_ex__(2)",
    "$input.__reduce__().get(0)",
    "$input.json",
    "$input.json.__func__",
    "$input.json.__func__.__globals__",
    "$input._call",
    "$input._call.request",
    "$util.__init__.__globals__",
    "$util.parseJson.__globals__['os']",
    "$util.base64Encode.__self__",
    "$util",
    "$input",
    "$input.body.__class__",
    "$input.body.__class__.__subclasses__()",
    "$input.body.format($input)",
    "$input.body.format_map($context)",
    "$context.get('__builtins__')",
    "$context.__getitem__('stage')",
    "$context['__class__']",
    "$context.stage['__class__']",
    "$input['__class__']",
    "$context.items()",
    "$context.stage.upper()",
    "$context.stage.__len__()",
    "$context.keySet().__class__",
    "#foreach($x in [1])$foreach.__class__$foreach.__dict__#end",
    "#foreach($x in [1])$foreach.hasNext.__class__#end",
    "#set($l = [1])$l.append($input)$l.__iadd__($l)",
    "$input.path('$').__class__.__base__.__subclasses__()",
])
def test_python_is_out_of_reach(template: str) -> None:
    rendered = render(template, body="{0.__init__.__globals__}")
    assert rendered.strip() in ("", "[1]")
    assert not PYTHON_TRACES.search(rendered)


@pytest.mark.parametrize("template", ["$context.pop('stage')", "$context.clear()",
                                      "$stageVariables.clear()", "$stageVariables.popitem()"])
def test_python_methods_cannot_change_what_templates_share(template: str) -> None:
    shared = {"env": "dev"}
    assert render(template + "$context.stage/$stageVariables.env",
                  stage_variables=shared) == "prod/dev"
    assert shared == {"env": "dev"}


@pytest.mark.parametrize("template, expected", [
    ("$input.body.length()", "9"),
    ("$input.body.substring(1, 4)", "bc,"),
    ("$input.body.substring(5)", "XyZ "),
    ("$input.body.toLowerCase()|$input.body.toUpperCase()", "abc, xyz |ABC, XYZ "),
    ("[$input.body.trim()]", "[abc, XyZ]"),
    ("$input.body.contains('c,')", "true"),
    ("$input.body.indexOf('c')|$input.body.indexOf('q')", "2|-1"),
    ("$input.body.replace('abc', 'd')", "d, XyZ "),
    ("$input.body.split(', ').size()|$input.body.split(', ').get(1)", "2|XyZ "),
    ("$input.body.startsWith('ab')$input.body.endsWith('q')", "truefalse"),
    ("$input.body.equals('abc, XyZ ')", "true"),
    ("$input.body.isEmpty()", "false"),
    ("$input.body.charAt(1)", "b"),
    ("$input.body.concat('!')", "abc, XyZ !"),
    ("#set($n = 42)$n.toString()", "42"),
])
def test_java_string_members(template: str, expected: str) -> None:
    assert render(template, body="abc, XyZ ") == expected


@pytest.mark.parametrize("template, expected", [
    ("$input.path('$.tags').size()", "2"),
    ("$input.path('$.tags').get(1)|$input.path('$.tags')[0]", "b|a"),
    ("$input.path('$.tags').contains('a')$input.path('$.tags').isEmpty()", "truefalse"),
    ("$input.path('$.tags').indexOf('b')", "1"),
    ("$input.path('$.tags')[5]|$input.path('$.tags')[-1]", "|"),
    ("#set($m = $input.path('$'))$m.keySet()", "[name, tags]"),
    ("#set($m = $input.path('$'))$m.get('name')$m.name$m['name']", "KimKimKim"),
    ("#set($m = $input.path('$'))$m.containsKey('tags')$m.size()$m.isEmpty()", "true2false"),
    ("#set($m = $input.path('$'))$m.values()", "[Kim, [a, b]]"),
    ("#foreach($e in $input.path('$').entrySet())$e.key=$e.value;#end", "name=Kim;tags=[a, b];"),
    ("$input.params('id')$input.params().path.id$input.params('q')", "771"),
    ("$util.escapeJavaScript(\"it's\")", "it\\'s"),
])
def test_java_list_and_map_members(template: str, expected: str) -> None:
    assert render(template, body=json.dumps({"name": "Kim", "tags": ["a", "b"]})) == expected


def test_double_quoted_strings_interpolate_and_single_quoted_do_not() -> None:
    assert render("#set($a = \"on $context.stage!\")#set($b = '$context.stage')$a|$b") == \
        "on prod!|$context.stage"


def test_arithmetic_on_anything_but_numbers_is_nothing() -> None:
    assert render("#set($a = $input - 1)#set($b = $context + 1)#set($c = 2 - 1)[$a][$b][$c]") \
        == "[][][1]"


def test_negations_do_not_nest() -> None:
    assert render("#if(" + "!" * 5000 + "true)x#end") == "x"


def test_a_foreach_stops_after_aws_iteration_quota() -> None:
    assert render("#foreach($i in $input.path('$.many'))x#end") == "x" * FOREACH_LIMIT


def test_nested_foreach_bomb_exhausts_the_step_budget() -> None:
    bomb = "#foreach($a in $l)#foreach($b in $l)#foreach($c in $l)x#end#end#end"
    with pytest.raises(vtl.TemplateError, match="steps"):
        render("#set($l = $input.path('$.many'))" + bomb)


@pytest.mark.parametrize("doubling", ['#set($a = "$a$a")', "#set($a = $a + $a)",
                                      "#set($a = $a.concat($a))"])
def test_doubling_a_string_stops_at_the_payload_quota(doubling: str) -> None:
    template = "#set($a = 'x')#foreach($i in $input.path('$.many'))" + doubling + "#end$a"
    with pytest.raises(vtl.TemplateError, match="10 MB"):
        render(template)


def test_replace_cannot_multiply_a_string_past_the_quota() -> None:
    with pytest.raises(vtl.TemplateError, match="10 MB"):
        render("$input.body.replace('', $input.body)", body="y" * 5000)


def test_output_past_the_payload_quota_fails() -> None:
    with pytest.raises(vtl.TemplateError, match="10 MB"):
        render(THOUSAND + "#foreach($i in $l)$input.body#end", body="z" * (PAYLOAD_LIMIT // 500))


def test_output_up_to_the_payload_quota_is_fine() -> None:
    body = "z" * (PAYLOAD_LIMIT // FOREACH_LIMIT)
    output = render(THOUSAND + "#foreach($i in $l)$input.body#end", body=body)
    assert len(output) == len(body) * FOREACH_LIMIT <= PAYLOAD_LIMIT


def test_reading_a_long_text_costs_steps_in_proportion() -> None:
    with pytest.raises(vtl.TemplateError, match="steps"):
        render(THOUSAND + "#foreach($i in $l)$input.body.contains('q')#end",
               body="y" * (SCAN_CHARS * 1000))


def test_parsing_a_long_text_costs_steps_in_proportion() -> None:
    with pytest.raises(vtl.TemplateError, match="steps"):
        render(THOUSAND + "#foreach($i in $l)#set($x = $util.parseJson($input.body))#end",
               body=json.dumps([1] * (SCAN_CHARS * 400)))


def test_splitting_into_millions_of_parts_fails() -> None:
    with pytest.raises(vtl.TemplateError, match="steps"):
        render("$input.body.split(',').size()", body="," * (STEP_LIMIT + 1) + "x")


def test_self_nesting_lists_cannot_be_printed_forever() -> None:
    template = "#set($l = [])#foreach($i in [1,2,3,4,5,6,7,8,9,10])" \
               "#foreach($j in [1,2,3,4])#set($l = [$l, $l])#end#end$l"
    with pytest.raises(vtl.TemplateError):
        render(template)


def test_comparing_self_nesting_lists_is_budgeted() -> None:
    forty = "[" + ", ".join(map(str, range(40))) + "]"
    grow = f"#foreach($j in {forty})#set($a = [$a, $a])#set($b = [$b, $b])#end"
    with pytest.raises(vtl.TemplateError, match="steps"):
        render("#set($a = [])#set($b = [])" + grow + "#if($a == $b)same#end$a.contains($b)")


def test_integers_past_64_bits_fail() -> None:
    with pytest.raises(vtl.TemplateError):
        render("#set($n = 1)#foreach($i in $input.path('$.many'))#set($n = $n + $n)#end$n")


@pytest.mark.parametrize("template", [
    "#if(true)" * 5000 + "x" + "#end" * 5000,
    "#foreach($a in [1])" * 5000 + "#end" * 5000,
    "#set($x = " + "(" * 5000 + "1" + ")" * 5000 + ")",
    "$l[" * 5000 + "0" + "]" * 5000,
    "$util.parseJson($input.body)",
])
def test_deep_nesting_fails_cleanly(template: str) -> None:
    with pytest.raises(vtl.TemplateError):
        render(template, body="[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize("template", ["$util.base64Decode('abc')", "$util.parseJson('{')",
                                      "$input.body.substring(50)",
                                      "$util.parseJson('" + "1" * 5000 + "')"])
def test_a_failing_method_fails_the_template(template: str) -> None:
    with pytest.raises(vtl.TemplateError):
        render(template, body="short")
