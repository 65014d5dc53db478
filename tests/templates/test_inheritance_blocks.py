"""Template inheritance, blocks, super(), includes and imports, with exact output."""

from __future__ import annotations

import pytest

from kettle.templates import (
    DictLoader,
    Environment,
    TemplateNotFound,
    TemplateRuntimeError,
    TemplatesNotFound,
)

TEMPLATES = {
    "base.html": (
        "<title>{% block title %}Site{% endblock %}</title>{% block body %}{% endblock %}"
    ),
    "child.html": (
        "{% extends 'base.html' %}{% block title %}Page - {{ super() }}{% endblock %}"
        "{% block body %}<p>{{ text }}</p>{% endblock %}ignored"
    ),
    "grandchild.html": "{% extends 'child.html' %}{% block body %}[{{ super() }}]{% endblock %}",
    "dynamic.html": "{% extends layout %}{% block title %}D{% endblock %}",
    "required.html": "{% block r required %}{% endblock %}",
    "fills.html": "{% extends 'required.html' %}{% block r %}filled{% endblock %}",
    "scoped.html": "{% for i in [1, 2] %}{% block b scoped %}<{{ i }}>{% endblock %}{% endfor %}",
    "self.html": "{% block a %}A{% endblock %}|{{ self.a() }}",
    "inc.html": "[{{ name }}]",
    "macros.html": (
        "{% macro hello(n) %}Hello {{ n }}{% endmacro %}{% set _hidden = 1 %}{% set shown = 2 %}"
    ),
}


@pytest.fixture
def env() -> Environment:
    return Environment(loader=DictLoader(TEMPLATES))


def test_child_overrides_and_super(env: Environment) -> None:
    assert (
        env.get_template("child.html").render(text="hi") == "<title>Page - Site</title><p>hi</p>"
    )


def test_three_levels(env: Environment) -> None:
    result = env.get_template("grandchild.html").render(text="x")
    assert result == "<title>Page - Site</title>[<p>x</p>]"


def test_dynamic_extends_with_name_and_template_object(env: Environment) -> None:
    template = env.get_template("dynamic.html")
    assert template.render(layout="base.html") == "<title>D</title>"
    assert template.render(layout=env.get_template("base.html")) == "<title>D</title>"


def test_required_block(env: Environment) -> None:
    assert env.get_template("fills.html").render() == "filled"
    with pytest.raises(TemplateRuntimeError, match="Required block 'r' not found"):
        env.get_template("required.html").render()


def test_scoped_block_sees_loop_variable(env: Environment) -> None:
    assert env.get_template("scoped.html").render() == "<1><2>"


def test_self_reference(env: Environment) -> None:
    assert env.get_template("self.html").render() == "A|A"


def test_include_with_and_without_context(env: Environment) -> None:
    source = (
        "{% for name in ['a'] %}{% include 'inc.html' %}{% include 'inc.html' without context "
        "%}{% endfor %}"
    )
    assert env.from_string(source).render() == "[a][]"


def test_include_ignore_missing_and_lists(env: Environment) -> None:
    source = "{% include 'nope.html' ignore missing %}{% include ['nope.html', 'inc.html'] %}"
    assert env.from_string(source).render(name="n") == "[n]"
    with pytest.raises(TemplateNotFound, match=r"nope\.html"):
        env.from_string("{% include 'nope.html' %}").render()
    with pytest.raises(TemplatesNotFound, match="none of the templates given were found: a, b"):
        env.from_string("{% include ['a', 'b'] %}").render()


def test_import_and_from_import(env: Environment) -> None:
    source = (
        "{% import 'macros.html' as m %}{% from 'macros.html' import hello as h, shown %}"
        "{{ m.hello('A') }}|{{ h('B') }}|{{ shown }}|{{ m._hidden is defined }}"
    )
    assert env.from_string(source).render() == "Hello A|Hello B|2|False"


def test_from_import_missing_name_is_undefined(env: Environment) -> None:
    template = env.from_string("{% from 'macros.html' import nope %}[{{ nope is defined }}]")
    assert template.render() == "[False]"


def test_module_exports(env: Environment) -> None:
    module = env.get_template("macros.html").module
    assert module.hello("x") == "Hello x"
    assert module.shown == 2
    assert not hasattr(module, "_hidden")


def test_block_defined_twice_is_an_error(env: Environment) -> None:
    from kettle.templates import TemplateAssertionError

    with pytest.raises(TemplateAssertionError, match="block 'a' defined twice"):
        env.from_string("{% block a %}{% endblock %}{% block a %}{% endblock %}")


def test_auto_reload_picks_up_changes() -> None:
    mapping = {"t": "one"}
    env = Environment(loader=DictLoader(mapping))
    assert env.get_template("t").render() == "one"
    mapping["t"] = "two"
    assert env.get_template("t").render() == "two"
