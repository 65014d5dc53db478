"""Differential test: meta.find_undeclared_variables against jinja2 3.1.6's on random
templates built from every scoping construct (set, for/else, if/else, macro, call, with,
block, set-block, filter-block, include, namespace assignment)."""

from __future__ import annotations

import jinja2
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from jinja2 import meta as jinja_meta

from kettle.templates import Environment, meta

NAMES = st.sampled_from(["a", "b", "c", "loop", "caller", "x", "self", "range", "ns"])
ASSIGNABLE = st.sampled_from(["a", "b", "c", "x", "ns"])
EXPRESSIONS = st.one_of(
    NAMES,
    st.builds("{} + {}".format, NAMES, NAMES),
    st.builds("{}.attr".format, NAMES),
    st.builds("{}|default(1)".format, NAMES),
    st.builds("{}({})".format, NAMES, NAMES),
)


def statements(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds("{{{{ {} }}}}".format, EXPRESSIONS),
        st.builds("{{% set {} = {} %}}".format, ASSIGNABLE, EXPRESSIONS),
        st.builds(
            "{{% for {} in {} %}}{}{{% endfor %}}".format, ASSIGNABLE, EXPRESSIONS, children
        ),
        st.builds(
            "{{% for {} in {} %}}{}{{% else %}}{}{{% endfor %}}".format,
            ASSIGNABLE,
            EXPRESSIONS,
            children,
            children,
        ),
        st.builds(
            "{{% if {} %}}{}{{% else %}}{}{{% endif %}}".format, EXPRESSIONS, children, children
        ),
        st.builds(
            "{{% macro {}({}) %}}{}{{% endmacro %}}".format, ASSIGNABLE, ASSIGNABLE, children
        ),
        st.builds("{{% call {}() %}}{}{{% endcall %}}".format, ASSIGNABLE, children),
        st.builds(
            "{{% with {} = {} %}}{}{{% endwith %}}".format, ASSIGNABLE, EXPRESSIONS, children
        ),
        st.builds(
            "{{% block {} %}}{}{{% endblock %}}".format, st.sampled_from(["b1", "b2"]), children
        ),
        st.builds("{{% set {} %}}{}{{% endset %}}".format, ASSIGNABLE, children),
        st.builds("{{% filter upper %}}{}{{% endfilter %}}".format, children),
        st.builds("{{% include {} %}}".format, EXPRESSIONS),
        st.builds("{{% set ns.v = {} %}}".format, NAMES),
    )


TEMPLATES = st.recursive(
    st.just(""),
    lambda children: st.lists(statements(children), max_size=4).map("".join),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(TEMPLATES)
def test_undeclared_variables_match_jinja2(source: str) -> None:
    try:
        expected = jinja_meta.find_undeclared_variables(jinja2.Environment().parse(source))
    except jinja2.TemplateError:
        assume(False)  # jinja2 rejects it (e.g. a duplicate block): nothing to compare
    assert meta.find_undeclared_variables(Environment().parse(source)) == expected
