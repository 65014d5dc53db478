"""Extensions: the Extension API, i18n (old and new style), do, loopcontrols, debug; and
async rendering."""

from __future__ import annotations

import asyncio
import gettext
from io import BytesIO
from typing import Any

import pytest

from kettle.templates import DictLoader, Environment, nodes
from kettle.templates.ext import Extension, babel_extract


class Translations(gettext.NullTranslations):
    CATALOG = {"Hello %(user)s!": "Hallo %(user)s!", "apple": "Apfel", "apples": "Äpfel"}

    def gettext(self, message: str) -> str:
        return self.CATALOG.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


def i18n_env(newstyle: bool) -> Environment:
    env = Environment(extensions=["kettle.templates.ext.i18n"], autoescape=True)
    env.install_gettext_translations(Translations(), newstyle=newstyle)  # type: ignore[attr-defined]
    return env


@pytest.mark.parametrize("newstyle", [False, True], ids=["oldstyle", "newstyle"])
def test_trans_block_translates_and_escapes(newstyle: bool) -> None:
    template = i18n_env(newstyle).from_string("{% trans %}Hello {{ user }}!{% endtrans %}")
    assert template.render(user="<b>") == "Hallo &lt;b&gt;!"


@pytest.mark.parametrize("newstyle", [False, True], ids=["oldstyle", "newstyle"])
def test_trans_pluralize(newstyle: bool) -> None:
    source = "{% trans count=n %}{{ count }} apple{% pluralize %}{{ count }} apples{% endtrans %}"
    template = i18n_env(newstyle).from_string(source)
    assert [template.render(n=n) for n in (1, 3)] == ["1 apple", "3 apples"]


def test_gettext_call_and_trimmed() -> None:
    env = i18n_env(False)
    assert env.from_string("{{ _('apple') }}|{{ ngettext('apple', 'apples', 2) }}").render() == (
        "Apfel|Äpfel"
    )
    source = "{% trans trimmed %}  Hello\n   {{ user }}!  {% endtrans %}"
    assert env.from_string(source).render(user="x") == "Hallo x!"


def test_extract_translations() -> None:
    env = i18n_env(False)
    source = "{{ _('a') }}{% trans %}b {{ x }}{% endtrans %}{{ ngettext('c', 'd', 2) }}"
    found = list(env.extract_translations(source))  # type: ignore[attr-defined]
    assert found == [(1, "_", "a"), (1, "gettext", "b %(x)s"), (1, "ngettext", ("c", "d", None))]


def test_babel_extract_with_comments() -> None:
    source = b"{# NOTE: greeting #}\n{{ _('Hi') }}\n{{ gettext('Bye') }}"
    found = list(babel_extract(BytesIO(source), ("_", "gettext"), ["NOTE:"], {}))
    assert found == [(2, "_", "Hi", ["greeting"]), (3, "gettext", "Bye", [])]


def test_do_and_loopcontrols() -> None:
    env = Environment(extensions=["kettle.templates.ext.do", "kettle.templates.ext.loopcontrols"])
    source = (
        "{% set items = [] %}{% for i in range(10) %}{% if i is odd %}{% continue %}{% endif %}"
        "{% if i > 6 %}{% break %}{% endif %}{% do items.append(i) %}{% endfor %}{{ items }}"
    )
    assert env.from_string(source).render() == "[0, 2, 4, 6]"


def test_debug_extension_prints_context() -> None:
    env = Environment(extensions=["kettle.templates.ext.debug"])
    result = env.from_string("{% debug %}").render(x=1)
    assert result.startswith("{'context': {'cycler': ")
    assert "'x': 1}," in result
    assert "'filters': ['abs', 'attr', 'batch', 'capitalize'," in result
    assert result.endswith("'upper']}")


class CacheExtension(Extension):
    """A tag that renders its body once per key through call_method and CallBlock."""

    tags = {"cache"}

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self.store: dict[str, str] = {}

    def parse(self, parser: Any) -> nodes.Node:
        lineno = next(parser.stream).lineno
        key = parser.parse_expression()
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        call = self.call_method("_cached", [key])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _cached(self, key: str, caller: Any) -> str:
        if key not in self.store:
            self.store[key] = caller()
        return self.store[key]


def test_custom_extension_with_call_block() -> None:
    env = Environment(extensions=[CacheExtension])
    template = env.from_string("{% cache 'k' %}{{ n }}{% endcache %}")
    assert [template.render(n=1), template.render(n=2)] == ["1", "1"]
    assert CacheExtension.identifier == f"{__name__}.CacheExtension"


def test_render_async_awaits_calls_and_async_iterables() -> None:
    env = Environment(enable_async=True, loader=DictLoader({"inc": "[{{ x }}]"}))

    async def fetch() -> str:
        return "fetched"

    async def numbers() -> Any:
        for n in (1, 2):
            yield n

    source = (
        "{{ fetch() }}|{% for n in numbers() %}{{ loop.index }}{{ n }}{{ loop.last }}{% endfor %}"
        "|{% include 'inc' %}|{{ numbers()|list }}"
    )
    template = env.from_string(source)
    result = asyncio.run(template.render_async(fetch=fetch, numbers=numbers, x=1))
    assert result == "fetched|11False22True|[1]|[1, 2]"
    assert template.render(fetch=fetch, numbers=numbers, x=1) == result
