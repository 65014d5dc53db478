"""A small blog written in Flask's style and run on Kettle: blueprints, registration and
login with hashed passwords, sessions, flashed messages and SQLite.

Run it with ``kettle --app examples.blog init-db`` then ``kettle --app examples.blog run``.
"""

from __future__ import annotations

import os
from typing import Any

from kettle import Kettle

from . import auth, db, posts


def create_app(test_config: dict[str, Any] | None = None) -> Kettle:
    """The application factory: config, database, blueprints."""
    app = Kettle(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY="dev", DATABASE=os.path.join(app.instance_path, "blog.sqlite")
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        os.makedirs(app.instance_path, exist_ok=True)
    else:
        app.config.from_mapping(test_config)
    db.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(posts.bp)
    app.add_url_rule("/", endpoint="index")

    @app.route("/hello")
    def hello() -> str:
        return "Hello, World!"

    return app
