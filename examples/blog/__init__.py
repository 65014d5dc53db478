"""The blog: an application factory that configures the app and registers its parts."""

import os

from kettle import Kettle

from . import auth, db, posts


def create_app(test_config=None):
    """Create and configure the app; tests pass their own configuration."""
    app = Kettle(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY="dev",
        DATABASE=os.path.join(app.instance_path, "blog.sqlite"),
    )
    if test_config is None:
        # instance/config.py, when there is one, holds the deployment's own SECRET_KEY.
        app.config.from_pyfile("config.py", silent=True)
        os.makedirs(app.instance_path, exist_ok=True)
    else:
        app.config.from_mapping(test_config)

    @app.route("/hello")
    def hello():
        return "Hello, World!"

    db.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(posts.bp)
    app.add_url_rule("/", endpoint="index")
    return app
