"""Macros: defaults, varargs, kwargs, caller and call blocks, with exact output."""

from __future__ import annotations

import functools
import types
from typing import Any

import pytest
from markupsafe import Markup

from kettle.templates import Environment, TemplateAssertionError


def render(source: str, **context: object) -> str:
    return Environment().from_string(source).render(context)


def test_defaults_are_evaluated_at_call_time() -> None:
    source = (
        "{% macro m(a, b=a * 2) %}{{ a }},{{ b }}{% endmacro %}{{ m(1) }}|{{ m(1, 5) }}|{{ "
        "m(b=3, a=2) }}"
    )
    assert render(source) == "1,2|1,5|2,3"


def test_varargs_and_kwargs() -> None:
    source = "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k=4) }}"
    assert render(source) == "1(2, 3){'k': 4}"


def test_errors_on_surplus_arguments() -> None:
    with pytest.raises(TypeError, match="macro 'm' takes not more than 1 argument"):
        render("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}")
    with pytest.raises(TypeError, match="macro 'm' takes no keyword argument 'z'"):
        render("{% macro m(a) %}{% endmacro %}{{ m(z=1) }}")


def test_missing_argument_is_undefined() -> None:
    assert render("{% macro m(a) %}[{{ a }}]{% endmacro %}{{ m() }}") == "[]"


def test_call_block_with_caller_arguments() -> None:
    source = (
        "{% macro list(items) %}<ul>{% for i in items %}<li>{{ caller(i) }}</li>{% endfor %}</ul>"
        "{% endmacro %}{% call(x) list([1, 2]) %}#{{ x }}{% endcall %}"
    )
    assert render(source) == "<ul><li>#1</li><li>#2</li></ul>"


def test_macro_output_is_markup_when_autoescaping() -> None:
    env = Environment(autoescape=True)
    source = "{% macro b(t) %}<b>{{ t }}</b>{% endmacro %}{{ b('<x>') }}"
    assert env.from_string(source).render() == "<b>&lt;x&gt;</b>"


def test_macro_result_type_follows_autoescape() -> None:
    source = "{% macro b(t) %}<b>{{ t }}</b>{% endmacro %}"
    escaped = Environment(autoescape=True).from_string(source).module.b("<x>")
    assert type(escaped) is Markup
    assert escaped == Markup("<b>&lt;x&gt;</b>")
    plain = Environment().from_string(source).module.b("<x>")
    assert type(plain) is str
    assert plain == "<b><x></b>"
    # Called with keywords (the general binding path) the result is the same.
    assert type(Environment(autoescape=True).from_string(source).module.b(t="y")) is Markup


def test_macro_attributes() -> None:
    module = Environment().from_string("{% macro m(a, b=1) %}{{ caller() }}{% endmacro %}").module
    macro = module.m
    assert (macro.name, macro.arguments, macro.caller, macro.catch_kwargs) == (
        "m",
        ("a", "b"),
        True,
        False,
    )


def test_caller_parameter_without_default_is_rejected() -> None:
    with pytest.raises(TemplateAssertionError, match='special "caller" argument must be omitted'):
        Environment().from_string("{% macro x(caller) %}{{ caller() }}{% endmacro %}")


def test_recursive_macro() -> None:
    source = (
        "{% macro f(n) %}{{ n }}{% if n > 0 %}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}"
    )
    assert render(source) == "3210"


def test_context_call_routes_pass_markers_on_every_callable_kind() -> None:
    from kettle.templates import pass_context, pass_environment, pass_eval_context

    class Marked:
        @pass_context
        def __call__(self, context: object, x: int) -> str:
            return f"inst:{context['who']}:{x}"  # type: ignore[index]

        @pass_environment
        def method(self, env: object, x: int) -> str:
            return f"meth:{type(env).__name__}:{x}"

    @pass_eval_context
    def evalf(eval_ctx: object, x: int) -> str:
        return f"eval:{eval_ctx.autoescape}:{x}"  # type: ignore[attr-defined]

    def stop() -> None:
        raise StopIteration

    source = (
        "{{ m(1) }} {{ m.method(2) }} {{ f(3) }} {{ range(2)|list }} {{ plain(4) }}"
        "{% for x in [1] %} {{ m(5) }} {{ f(x) }}{% endfor %} [{{ stop() }}]"
    )
    result = render(source, m=Marked(), f=evalf, plain=str, who="w", stop=stop)
    assert result == "inst:w:1 meth:Environment:2 eval:False:3 [0, 1] 4 inst:w:5 eval:False:1 []"


def test_context_call_reads_markers_of_bound_methods_from_their_function() -> None:
    from kettle.templates import pass_context

    class Source:
        @pass_context
        def marked(self, context: Any, x: int) -> str:
            return f"{context['who']}:{x}"

        def plain(self, x: int) -> str:
            return f"plain:{x}"

    def shout(owner: Any, context: Any, x: int) -> str:
        return f"partial:{context['who']}:{type(owner).__name__}:{x}"

    source_obj = Source()
    # A method whose function is another marked callable (here a partial).
    odd = types.MethodType(pass_context(functools.partial(shout)), source_obj)
    source = "{{ s.marked(1) }} {{ s.plain(2) }} {{ odd(3) }}"
    result = render(source, s=source_obj, odd=odd, who="w")
    assert result == "w:1 plain:2 partial:w:Source:3"


def test_loop_methods_called_in_place_keep_their_errors() -> None:
    source = "{% for x in 'abcd' %}{{ loop.cycle(*seq) }}{{ loop.changed(x > 'b') }}{% endfor %}"
    assert render(source, seq=["1", "2", "3"]) == "1True2False3True1False"
    with pytest.raises(TypeError, match="no items for cycling given"):
        render("{% for x in 'a' %}{{ loop.cycle() }}{% endfor %}")
    nested = (
        "{% for a in 'ab' %}{% for b in 'xyz' %}{{ loop.cycle('-', '+') }}{% endfor %}"
        "|{% endfor %}"
    )
    assert render(nested) == "-+-|-+-|"
