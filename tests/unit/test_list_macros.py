"""The list pages' shared macros (templates/macros.html): list_rows writes a page of rows with its
empty row and click-to-load row, list_table the panel, header, body and empty state around them;
the pages with a search keep it in the link to their next page."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import ChoiceLoader, DictLoader, Environment

from webapp.aws.iam import policies as iam_policies
from webapp.aws.logs import log_groups as logs
from webapp.aws.paging import Page

ROWS = """{% from "macros.html" import list_rows %}
{% call(thing) list_rows(page, 'logs.log_groups.index', 2, empty, prefix=prefix or None, q=query) %}
<tr><td>{{ thing.name }}</td><td>{{ prefix }}</td></tr>
{% endcall %}"""
TABLE = """{% from "macros.html" import list_table with context %}
{% call list_table("thing-rows", "rows.html", empty, create_url) %}<th scope="col">Name</th>{% endcall %}"""


@dataclass(frozen=True)
class Thing:
    name: str


@pytest.fixture
def templates(app: Flask) -> Iterator[Environment]:
    """The console's templates plus a rows template and a page of a made-up list."""
    own = DictLoader({"rows.html": ROWS, "table.html": TABLE})
    environment = app.jinja_env.overlay(loader=ChoiceLoader([own, app.jinja_env.loader]))
    with app.test_request_context():
        yield environment


def render(environment: Environment, name: str, page: Page[Thing], **context: object) -> str:
    values: dict[str, object] = {"empty": None, "create_url": None, "prefix": "", "query": None}
    values.update(context)
    return re.sub(r"\s+", " ", environment.get_template(name).render(page=page, **values)).strip()


def test_each_item_is_a_row_of_the_callers_and_the_next_page_keeps_the_search(
        templates: Environment) -> None:
    html = render(templates, "rows.html", Page([Thing("a"), Thing("<b>")], "tok&1"), prefix="/aws")

    assert re.findall(r"<tr><td>([^<]*)</td>", html) == ["a", "&lt;b&gt;"]
    assert '<td colspan="2"><a class="button" href="/logs/?prefix=/aws&amp;next=tok%261"' in html
    assert 'hx-get="/logs/?prefix=/aws&amp;next=tok%261" hx-target="closest tr"' in html


def test_the_last_page_has_no_load_more_row_and_unset_arguments_stay_out_of_the_link(
        templates: Environment) -> None:
    assert "Load more" not in render(templates, "rows.html", Page([Thing("a")], None))
    html = render(templates, "rows.html", Page([Thing("a")], "t2"))
    assert 'href="/logs/?next=t2"' in html


def test_an_empty_page_has_the_empty_row_when_one_is_given(templates: Environment) -> None:
    assert render(templates, "rows.html", Page([], None)) == ""
    html = render(templates, "rows.html", Page([], "t2"), empty="Nothing <here>.")
    assert html.startswith('<tr><td colspan="2" class="empty">Nothing &lt;here&gt;.</td></tr>')
    assert "Load more" in html


def test_the_table_has_the_header_and_the_rows_template_with_the_pages_variables(
        templates: Environment) -> None:
    html = render(templates, "table.html", Page([Thing("a")], None), prefix="/aws",
                  empty="No things yet.", create_url="/things/new")

    assert html.startswith('<section class="panel"> <table class="data-table"> '
                           '<thead><tr><th scope="col">Name</th></tr></thead> '
                           '<tbody id="thing-rows"> <tr><td>a</td><td>/aws</td></tr> </tbody>')
    assert "No things yet." not in html


def test_an_empty_list_says_so_below_the_table_with_a_link_to_create_one(
        templates: Environment) -> None:
    html = render(templates, "table.html", Page([], None), empty="No things yet.",
                  create_url="/things/new")

    assert '</table> <p class="empty">No things yet. <a href="/things/new">Create one</a></p>' in html
    assert '<p class="empty">' not in render(templates, "table.html", Page([], None))


def test_the_log_groups_page_asks_for_the_next_page_with_its_prefix(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    group = logs.LogGroup("/aws/lambda/one", 10, None, 0)
    monkeypatch.setattr(logs, "list_log_groups", lambda prefix, token=None: Page([group], "t2"))

    page = signed_in.get("/logs/?prefix=/aws/lambda/").text

    assert '<tbody id="group-rows">' in page
    assert 'hx-get="/logs/?prefix=/aws/lambda/&amp;next=t2"' in page


def test_the_aws_managed_policies_page_asks_for_the_next_page_with_its_search(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    found = iam_policies.Policy("AWSLambdaRole", "arn:aws:iam::aws:policy/AWSLambdaRole", "/", "v1",
                                0, None, None, "")
    monkeypatch.setattr(iam_policies, "search_aws_policies", lambda query, token=None: Page([found], "t2"))

    page = signed_in.get("/iam/policies?scope=aws&q=lambda").text

    assert '<tbody id="policy-rows">' in page
    assert 'hx-get="/iam/policies?scope=aws&amp;q=lambda&amp;next=t2"' in page
