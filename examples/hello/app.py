"""The classic first page, as Flask's quickstart has it: a view fills in ``user_name`` on
the server, and the page's own JavaScript makes it interactive in the browser.

    kettle --app examples.hello.app run      # or: python -m examples.hello.app
"""

from __future__ import annotations

from kettle import Kettle, render_template

app = Kettle(__name__)


@app.route("/")
@app.route("/hello/<name>")
def hello(name: str | None = None) -> str:
    return render_template("hello.html", user_name=name or "World")


if __name__ == "__main__":
    app.run()
