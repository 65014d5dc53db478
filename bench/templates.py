"""Template rendering benchmark: kettle.templates against Jinja2 3.1.6, Mako and a hand-written
``''.join`` floor, all in one process.

Cases:
  bigtable      1000 rows x 10 integer columns, autoescape on
  bigtable-raw  the same without autoescape
  calls         200 rows calling loop.cycle, loop.changed, a context function and a
                cycler's next() per row, autoescape on (kettle, jinja2, join only)
  page          base layout + child (blocks, super()), two includes, a macro called in a
                loop, loop.index, filters escape/default/join/length/upper/truncate/format,
                autoescape on

Before timing, every engine's output must equal Jinja2's byte for byte (nothing is
normalised). Engines are interleaved round by round (the order rotates) after a warm-up;
each round times a batch of renders and the table shows the median per render and the
ratio to Jinja2. Compile times (source -> template object, fresh environment, no cache)
are measured the same way for kettle and Jinja2.

Run: .venv/bin/python bench/templates.py [--rounds N] [--case NAME]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from mako.lookup import TemplateLookup
from mako.template import Template as MakoTemplate
from markupsafe import escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import kettle.templates as kt

Render = Callable[[], str]

# -- data ------------------------------------------------------------------------------------

TABLE = [{f"c{i}": row * 10 + i for i in range(10)} for row in range(1000)]

ITEMS = [
    {
        "name": f"Widget <{n}> & co",
        "description": f"A very useful widget number {n} that does many things well, "
        "truly a marvel of modern engineering",
        "tags": ["new", f"t{n % 3}", "<sale>"],
    }
    for n in range(20)
]
NAV = [{"href": f"/section/{n}?a=1&b=2", "title": f"section {n}"} for n in range(5)]
PAGE_CONTEXT: dict[str, Any] = {"title": "Products & <Offers>", "items": ITEMS, "nav": NAV}

# -- Jinja syntax (kettle and Jinja2 share these sources) -------------------------------------

BIGTABLE = (
    "<table>\n{% for row in table %}<tr>{% for col in row.values() %}<td>{{ col }}</td>"
    "{% endfor %}</tr>\n{% endfor %}</table>"
)

CALLS = (
    "<ul>{% set c = cycler('a', 'b', 'c') %}{% for r in rows %}"
    "<li class=\"{{ loop.cycle('odd', 'even') }} {{ c.next() }}\">"
    "{% if loop.changed(r.group) %}<b>{{ r.group }}</b>{% endif %}"
    "{{ money(r.price) }}</li>{% endfor %}</ul>"
)
CALL_ROWS = [{"group": n // 7, "price": n * 1.5} for n in range(200)]


def money(value: float) -> str:
    return f"${value:.2f}"


PAGE_TEMPLATES = {
    "base.html": (
        "<!doctype html>\n<html><head><title>{% block title %}Site{% endblock %}</title></head>\n"
        "<body>\n{% include 'nav.html' %}\n<main>{% block content %}{% endblock %}</main>\n"
        "{% include 'footer.html' %}\n</body></html>"
    ),
    "nav.html": (
        '<nav>{% for link in nav %}<a href="{{ link.href }}">{{ link.title|upper }}</a>'
        "{% endfor %}</nav>"
    ),
    "footer.html": (
        "<footer>{{ '%d items, owner %s'|format(items|length, owner|default('nobody')) }}</footer>"
    ),
    "page.html": (
        "{% extends 'base.html' %}"
        "{% macro item(it, n) %}<li class=\"{{ 'odd' if n is odd else 'even' }}\">{{ n }}. "
        "{{ it.name|e }}: {{ it.description|truncate(40) }} [{{ it.tags|join(', ') }}]</li>"
        "{% endmacro %}"
        "{% block title %}{{ title }} - {{ super() }}{% endblock %}"
        "{% block content %}<h1>{{ title }}</h1>\n<ul>{% for it in items %}"
        "{{ item(it, loop.index) }}{% endfor %}</ul>{% endblock %}"
    ),
}

# -- Mako equivalents ------------------------------------------------------------------------

MAKO_BIGTABLE = """<table>
% for row in table:
<tr>\\
% for col in row.values():
<td>${col}</td>\\
% endfor
</tr>
% endfor
</table>"""

MAKO_PAGE = {
    "base.html": (
        '<!doctype html>\n<html><head><title><%block name="head_title">Site</%block></title>'
        '</head>\n<body>\n<%include file="nav.html"/>\n'
        '<main><%block name="content"/></main>\n<%include file="footer.html"/>\n'
        "</body></html>"
    ),
    "nav.html": (
        "<nav>\\\n% for link in nav:\n<a href=\"${link['href']}\">${link['title'].upper()}</a>"
        "\\\n% endfor\n</nav>"
    ),
    "footer.html": ("<footer>${'%d items, owner %s' % (len(items), owner)}</footer>"),
    "page.html": (
        '<%inherit file="base.html"/>'
        "<%def name=\"item(it, n)\"><li class=\"${'odd' if n % 2 == 1 else 'even'}\">${n}. "
        "${it['name']}: ${truncate(it['description'], 40)} [${', '.join(it['tags'])}]</li>"
        "</%def>"
        '<%block name="head_title">${title} - ${parent.head_title()}</%block>'
        '<%block name="content"><h1>${title}</h1>\n<ul>\\\n'
        "% for n, it in enumerate(items, 1):\n${item(it, n)}\\\n% endfor\n</ul></%block>"
    ),
}


def jinja_truncate(text: str, length: int) -> str:
    """Jinja2's truncate with its default end "..." and leeway 5 (for Mako and the floor)."""
    if len(text) <= length + 5:
        return text
    return text[: length - 3].rsplit(" ", 1)[0] + "..."


# -- hand-written floor ----------------------------------------------------------------------


def fast_escape(value: Any) -> str:
    """Escape specialised by exact type: ints need no escaping."""
    if type(value) is int:
        return str(value)
    return str(escape(value))


def floor_bigtable(table: list[dict[str, int]], autoescape: bool) -> str:
    out = ["<table>\n"]
    append = out.append
    esc = fast_escape
    for row in table:
        append("<tr>")
        if autoescape:
            for col in row.values():
                append(f"<td>{col if type(col) is int else esc(col)}</td>")
        else:
            for col in row.values():
                append(f"<td>{col}</td>")
        append("</tr>\n")
    append("</table>")
    return "".join(out)


def floor_calls(rows: list[dict[str, Any]]) -> str:
    out = ["<ul>"]
    append = out.append
    last: Any = None
    abc = ("a", "b", "c")
    for n, r in enumerate(rows):
        group = r["group"]
        head = f"<b>{group}</b>" if n == 0 or group != last else ""
        last = group
        klass = "odd" if n % 2 == 0 else "even"
        append(f'<li class="{klass} {abc[n % 3]}">{head}{fast_escape(money(r["price"]))}</li>')
    append("</ul>")
    return "".join(out)


def floor_page(ctx: dict[str, Any]) -> str:
    esc = fast_escape
    title = esc(ctx["title"])
    nav = "".join(
        f'<a href="{esc(link["href"])}">{esc(link["title"].upper())}</a>' for link in ctx["nav"]
    )
    items = ctx["items"]
    lis = []
    for n, it in enumerate(items, 1):
        tags = ", ".join(esc(t) for t in it["tags"])
        desc = esc(jinja_truncate(it["description"], 40))
        klass = "odd" if n % 2 == 1 else "even"
        lis.append(f'<li class="{klass}">{n}. {esc(it["name"])}: {desc} [{tags}]</li>')
    footer = esc(f"{len(items)} items, owner nobody")
    return (
        f"<!doctype html>\n<html><head><title>{title} - Site</title></head>\n<body>\n"
        f"<nav>{nav}</nav>\n<main><h1>{title}</h1>\n<ul>{''.join(lis)}</ul></main>\n"
        f"<footer>{footer}</footer>\n</body></html>"
    )


# -- engines ---------------------------------------------------------------------------------


def jinja_like(module: Any, autoescape: bool) -> tuple[Render, Render]:
    """Renderers for (bigtable, page) built with a Jinja-API module (kettle or jinja2)."""
    env = module.Environment(autoescape=autoescape, loader=module.DictLoader(PAGE_TEMPLATES))
    table = env.from_string(BIGTABLE)
    page = env.get_template("page.html")
    return (lambda: table.render(table=TABLE)), (lambda: page.render(**PAGE_CONTEXT))


def calls_renderer(module: Any) -> Render:
    env = module.Environment(autoescape=True)
    template = env.from_string(CALLS)
    return lambda: template.render(rows=CALL_ROWS, money=money)


def mako_renderers(autoescape: bool) -> tuple[Render, Render]:
    filters = ["h"] if autoescape else ["str"]
    table = MakoTemplate(MAKO_BIGTABLE, default_filters=filters)
    lookup = TemplateLookup(default_filters=["h"])
    for name, source in MAKO_PAGE.items():
        lookup.put_string(name, source)
    page = lookup.get_template("page.html")
    extra = {"truncate": jinja_truncate, "owner": "nobody"}
    return (lambda: table.render(table=TABLE)), (lambda: page.render(**PAGE_CONTEXT, **extra))


def build_cases() -> dict[str, dict[str, Render]]:
    k_auto, k_page = jinja_like(kt, True)
    k_raw, _ = jinja_like(kt, False)
    j_auto, j_page = jinja_like(jinja2, True)
    j_raw, _ = jinja_like(jinja2, False)
    m_auto, m_page = mako_renderers(True)
    m_raw, _ = mako_renderers(False)
    return {
        "bigtable": {
            "kettle": k_auto,
            "jinja2": j_auto,
            "mako": m_auto,
            "join": lambda: floor_bigtable(TABLE, True),
        },
        "bigtable-raw": {
            "kettle": k_raw,
            "jinja2": j_raw,
            "mako": m_raw,
            "join": lambda: floor_bigtable(TABLE, False),
        },
        "calls": {
            "kettle": calls_renderer(kt),
            "jinja2": calls_renderer(jinja2),
            "join": lambda: floor_calls(CALL_ROWS),
        },
        "page": {
            "kettle": k_page,
            "jinja2": j_page,
            "mako": m_page,
            "join": lambda: floor_page(PAGE_CONTEXT),
        },
    }


def check_outputs(cases: dict[str, dict[str, Render]]) -> None:
    for case, engines in cases.items():
        expected = engines["jinja2"]()
        for name, render in engines.items():
            got = render()
            if got != expected:
                at = next(
                    (i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b),
                    min(len(got), len(expected)),
                )
                raise SystemExit(
                    f"{case}: {name} output differs from jinja2 at offset {at}:\n"
                    f"  {name}: {got[max(0, at - 60) : at + 60]!r}\n"
                    f"  jinja2: {expected[max(0, at - 60) : at + 60]!r}"
                )


# -- timing ----------------------------------------------------------------------------------


def batch_size(render: Callable[[], object], target_s: float = 0.02) -> int:
    start = time.perf_counter()
    render()
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, int(target_s / once))


def measure(engines: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median milliseconds per call for each engine, interleaved round by round."""
    for render in engines.values():  # warm-up
        for _ in range(3):
            render()
    sizes = {name: batch_size(render) for name, render in engines.items()}
    samples: dict[str, list[float]] = {name: [] for name in engines}
    names = list(engines)
    for round_no in range(rounds):
        order = names[round_no % len(names) :] + names[: round_no % len(names)]
        for name in order:
            render, n = engines[name], sizes[name]
            gc.collect()
            start = time.perf_counter()
            for _ in range(n):
                render()
            samples[name].append((time.perf_counter() - start) / n * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def print_table(title: str, medians: dict[str, float]) -> None:
    base = medians["jinja2"]
    print(f"\n{title}")
    print(f"  {'engine':8} {'median ms':>10} {'vs jinja2':>10}")
    for name, value in medians.items():
        print(f"  {name:8} {value:10.3f} {value / base:9.2f}x")


def compile_cases() -> dict[str, dict[str, Callable[[], object]]]:
    def compile_all(module: Any, sources: list[str]) -> Callable[[], object]:
        def run() -> object:
            env = module.Environment(autoescape=True, cache_size=0)
            return [env.from_string(source) for source in sources]

        return run

    page_sources = list(PAGE_TEMPLATES.values())
    return {
        "compile bigtable": {
            "kettle": compile_all(kt, [BIGTABLE]),
            "jinja2": compile_all(jinja2, [BIGTABLE]),
        },
        "compile page (4 templates)": {
            "kettle": compile_all(kt, page_sources),
            "jinja2": compile_all(jinja2, page_sources),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="kettle.templates vs Jinja2 vs Mako")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--case", help="run only this case (bigtable, bigtable-raw, calls, page)")
    args = parser.parse_args()
    cases = build_cases()
    check_outputs(cases)
    print("outputs identical across kettle, jinja2, mako and join (no normalisation)")
    print(f"python {sys.version.split()[0]}, jinja2 {jinja2.__version__}, {args.rounds} rounds")
    for case, engines in cases.items():
        if args.case and case != args.case:
            continue
        print_table(f"render {case}", measure(dict(engines), args.rounds))
    if not args.case:
        for title, engines in compile_cases().items():
            print_table(title, measure(engines, args.rounds))


if __name__ == "__main__":
    main()
