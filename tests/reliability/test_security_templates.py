"""Template security: autoescape by file extension in an app, ``|safe`` only where asked, and
the sandbox blocking the documented escapes (underscore attributes, mro, function globals,
format-string attacks, huge ranges)."""

from __future__ import annotations

from pathlib import Path

import pytest
from markupsafe import Markup

from kettle.templates import DictLoader, Environment
from kettle.templates.exceptions import SecurityError
from kettle.templates.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment
from kettle.web.app import Kettle
from kettle.web.templating import render_template, render_template_string

PAYLOAD = "<script>alert('x')</script>&"
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"


@pytest.fixture
def app(tmp_path: Path) -> Kettle:
    templates = tmp_path / "templates"
    templates.mkdir()
    for name in ["p.html", "p.htm", "p.xml", "p.xhtml", "p.txt", "p.j2"]:
        (templates / name).write_text("[{{ v }}]")
    (templates / "safe.html").write_text("[{{ v|safe }}][{{ v }}]")
    (templates / "off.html").write_text("{% autoescape false %}[{{ v }}]{% endautoescape %}")
    return Kettle("tplapp", root_path=str(tmp_path))


@pytest.mark.parametrize("name", ["p.html", "p.htm", "p.xml", "p.xhtml"])
def test_autoescape_is_on_for_markup_templates(app: Kettle, name: str) -> None:
    with app.test_request_context("/"):
        assert render_template(name, v=PAYLOAD) == f"[{ESCAPED}]"
        assert render_template_string("[{{ v }}]", v=PAYLOAD) == f"[{ESCAPED}]"


@pytest.mark.parametrize("name", ["p.txt", "p.j2"])
def test_autoescape_is_off_for_other_templates(app: Kettle, name: str) -> None:
    with app.test_request_context("/"):
        assert render_template(name, v=PAYLOAD) == f"[{PAYLOAD}]"


def test_safe_only_where_the_author_asked(app: Kettle) -> None:
    with app.test_request_context("/"):
        assert render_template("safe.html", v=PAYLOAD) == f"[{PAYLOAD}][{ESCAPED}]"
        assert render_template("off.html", v=PAYLOAD) == f"[{PAYLOAD}]"
        assert render_template("p.html", v=Markup("<b>ok</b>")) == "[<b>ok</b>]"


def test_escaping_covers_attribute_breakouts(app: Kettle) -> None:
    with app.test_request_context("/"):
        out = render_template_string('<a title="{{ v }}">', v='" onmouseover="x')
        assert out == '<a title="&#34; onmouseover=&#34;x">'


class Thing:
    secret = "s"

    def method(self) -> str:
        return "m"


def unsafe(attr: str, owner: str) -> tuple[type[Exception], str]:
    return SecurityError, f"access to attribute '{attr}' of '{owner}' object is unsafe."


TOO_BIG = (
    OverflowError,
    "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).",
)

# Each escape either yields an undefined that prints as "" (nothing leaks) or stops with the
# error Jinja2's sandbox raises; expectations checked against jinja2.sandbox.
BLOCKED: list[tuple[str, str | tuple[type[Exception], str]]] = [
    ("{{ ''.__class__ }}", ""),
    ("{{ ''.__class__.__mro__ }}", unsafe("__class__", "str")),
    ("{{ ''.__class__.mro() }}", unsafe("__class__", "str")),
    ("{{ ''.__class__.__subclasses__() }}", unsafe("__class__", "str")),
    ("{{ t.__class__.mro }}", unsafe("__class__", "Thing")),
    ("{{ t.method.__func__ }}", ""),
    ("{{ t.method.__func__.__globals__ }}", unsafe("__func__", "method")),
    ("{{ t.method.__globals__ }}", ""),
    ("{{ f.func_globals }}", ""),
    ("{{ f.__globals__ }}", ""),
    ("{{ f.__code__ }}", ""),
    ("{{ t._private }}", ""),
    ("{{ t.__init__.__globals__['os'] }}", unsafe("__init__", "Thing")),
    ("{{ cycler.__init__.__globals__ }}", unsafe("__init__", "type")),
    ("{{ lipsum.__globals__ }}", ""),
    ("{{ ''.format.__self__ }}", ""),
    ("{{ '{0.__class__}'.format(t) }}", ""),
    ("{{ '{0.method.__globals__}'.format(t) }}", ""),
    ("{{ '{x._private}'.format_map({'x': t}) }}", ""),
    ("{{ '%s'|format(t.__class__) }}", ""),
    ("{{ range(10**9)|list|length }}", TOO_BIG),
    ("{{ range(0, 10**9, 1)|length }}", TOO_BIG),
    ("{{ range(100001)|length }}", TOO_BIG),
    ("{{ range(100000)|length }}", "100000"),
]


@pytest.mark.parametrize(("source", "expected"), BLOCKED, ids=[c[0] for c in BLOCKED])
def test_sandbox_blocks_the_documented_escapes(
    source: str, expected: str | tuple[type[Exception], str]
) -> None:
    env = SandboxedEnvironment()

    def f() -> None:
        return None

    template = env.from_string(source)
    if isinstance(expected, str):
        assert template.render(t=Thing(), f=f) == expected
        return
    error, message = expected
    with pytest.raises(error) as info:
        template.render(t=Thing(), f=f)
    assert str(info.value) == message


def test_sandbox_still_renders_ordinary_templates() -> None:
    env = SandboxedEnvironment()
    out = env.from_string(
        "{{ t.secret }} {{ t.method() }} {{ range(3)|list }} {{ '{0}'.format(7) }}"
    )
    assert out.render(t=Thing()) == "s m [0, 1, 2] 7"


def test_immutable_sandbox_refuses_mutation() -> None:
    env = ImmutableSandboxedEnvironment()
    with pytest.raises(SecurityError):
        env.from_string("{{ l.append(1) }}").render(l=[])
    with pytest.raises(SecurityError):
        env.from_string("{{ d.clear() }}").render(d={"a": 1})


def test_markup_format_escapes_its_arguments() -> None:
    env = SandboxedEnvironment(autoescape=True)
    out = env.from_string("{{ m.format(v) }}").render(m=Markup("<b>{0}</b>"), v="<i>")
    assert out == "<b>&lt;i&gt;</b>"


def test_sandbox_with_a_loader_and_a_plain_environment_differ() -> None:
    loader = DictLoader({"t": "{{ ''.__class__.__name__ }}"})
    assert Environment(loader=loader).get_template("t").render() == "str"
    with pytest.raises(SecurityError):
        SandboxedEnvironment(loader=loader).get_template("t").render()
