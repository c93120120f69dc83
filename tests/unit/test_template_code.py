"""Apps built in one process share compiled templates, and an edited template is compiled again."""
from __future__ import annotations

import pytest
from jinja2 import DictLoader, Environment

from webapp import create_app, template_code

from tests.helpers import PASSWORD, injected


def new_app():  # type: ignore[no-untyped-def]
    return create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws",
                       "CONSOLE_PASSWORD": PASSWORD})


def refuse_compiling(environment: Environment, monkeypatch: pytest.MonkeyPatch) -> None:
    def compile_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the template was compiled again")

    monkeypatch.setattr(environment, "compile", compile_again)


def test_a_second_app_renders_a_page_without_compiling_its_template(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert "Sign in" in new_app().test_client().get("/login").text
    second = new_app()
    refuse_compiling(second.jinja_env, monkeypatch)
    assert "Sign in" in second.test_client().get("/login").text


def test_an_edited_template_is_compiled_again() -> None:
    code = template_code.TemplateCode()
    sources = {"page.html": "first {{ n }}"}
    assert Environment(loader=DictLoader(sources), bytecode_cache=code) \
        .get_template("page.html").render(n=1) == "first 1"
    sources["page.html"] = "second {{ n }}"
    assert Environment(loader=DictLoader(sources), bytecode_cache=code) \
        .get_template("page.html").render(n=2) == "second 2"
