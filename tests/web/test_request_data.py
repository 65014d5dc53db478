"""What a view sees of the request, through both the test client and the real server."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest

from kettle import Kettle, request
from kettle.http.multidict import ImmutableMultiDict
from kettle.http.urls import iter_query_pairs, wsgi_decoding
from kettle.web.exceptions import BadRequest
from kettle.web.request import Request
from kettle.web.testing import KettleClient

MakeClient = Callable[[Kettle], KettleClient]


def echo_app(app: Kettle) -> Kettle:
    @app.route("/echo", methods=["GET", "POST", "PUT"])
    def echo() -> dict[str, Any]:
        files = {
            name: [storage.filename, storage.read().decode(), storage.content_type]
            for name, storage in request.files.items()
        }
        return {
            "method": request.method,
            "path": request.path,
            "full_path": request.full_path,
            "url": request.url,
            "base_url": request.base_url,
            "host": request.host,
            "scheme": request.scheme,
            "args": request.args.to_dict(flat=False),
            "form": request.form.to_dict(flat=False),
            "values": request.values.to_dict(flat=True),
            "json": request.get_json(silent=True),
            "is_json": request.is_json,
            "data": request.get_data(as_text=True) if not request.form and not files else "",
            "cookies": dict(request.cookies),
            "header": request.headers.get("X-Test"),
            "files": files,
            "remote_addr": request.remote_addr,
            "endpoint": request.endpoint,
            "accept_json": request.accept_mimetypes.accept_json,
        }

    return app


def test_query_and_url_parts(make_client: MakeClient, app: Kettle) -> None:
    data = (
        make_client(echo_app(app))
        .get("/echo?a=1&a=2&b=x%20y", headers={"X-Test": "t", "Accept": "application/json"})
        .get_json()
    )
    assert data["method"] == "GET"
    assert data["path"] == "/echo"
    assert data["full_path"] == "/echo?a=1&a=2&b=x%20y"
    assert data["url"] == "http://localhost/echo?a=1&a=2&b=x%20y"
    assert data["base_url"] == "http://localhost/echo"
    assert data["host"] == "localhost"
    assert data["scheme"] == "http"
    assert data["args"] == {"a": ["1", "2"], "b": ["x y"]}
    assert data["header"] == "t"
    assert data["remote_addr"] == "127.0.0.1"
    assert data["endpoint"] == "echo"
    assert data["accept_json"] is True


def test_form_post(make_client: MakeClient, app: Kettle) -> None:
    data = (
        make_client(echo_app(app))
        .post("/echo?q=1", data={"name": "Ann", "tags": ["a", "b"]})
        .get_json()
    )
    assert data["form"] == {"name": ["Ann"], "tags": ["a", "b"]}
    assert data["values"] == {"q": "1", "name": "Ann", "tags": "a"}


def test_json_body(make_client: MakeClient, app: Kettle) -> None:
    data = make_client(echo_app(app)).post("/echo", json={"x": [1, 2]}).get_json()
    assert data["json"] == {"x": [1, 2]}
    assert data["is_json"] is True
    assert data["data"] == '{"x": [1, 2]}'


def test_raw_body(make_client: MakeClient, app: Kettle) -> None:
    data = (
        make_client(echo_app(app))
        .put("/echo", data=b"raw bytes", content_type="application/octet-stream")
        .get_json()
    )
    assert data["data"] == "raw bytes"
    assert data["json"] is None


def test_file_upload(make_client: MakeClient, app: Kettle) -> None:
    data = (
        make_client(echo_app(app))
        .post(
            "/echo",
            data={
                "title": "doc",
                "upload": (io.BytesIO(b"file body"), "notes.txt"),
                "other": (io.BytesIO(b"{}"), "d.json", "application/json"),
            },
        )
        .get_json()
    )
    assert data["form"] == {"title": ["doc"]}
    assert data["files"] == {
        "upload": ["notes.txt", "file body", "text/plain"],
        "other": ["d.json", "{}", "application/json"],
    }


def test_cookies_reach_the_view(make_client: MakeClient, app: Kettle) -> None:
    client = make_client(echo_app(app))
    client.set_cookie("flavour", "oat")
    assert client.get("/echo").get_json()["cookies"] == {"flavour": "oat"}


def test_bad_json_is_400(make_client: MakeClient, app: Kettle) -> None:
    @app.post("/strict")
    def strict() -> str:
        return json.dumps(request.get_json())

    response = make_client(app).post("/strict", data="{bad", content_type="application/json")
    assert response.status_code == 400


GENERIC_400 = BadRequest.description


def test_bad_json_detail_only_in_debug(make_client: MakeClient, app: Kettle) -> None:
    # Flask: outside debug the 400 carries the generic description, chained from the detailed one.
    seen: list[tuple[str, str | None]] = []

    @app.post("/strict")
    def strict() -> str:
        try:
            return json.dumps(request.get_json())
        except Exception as error:
            cause = error.__cause__
            seen.append(
                (str(getattr(error, "description", "")), getattr(cause, "description", None))
            )
            raise

    client = make_client(app)
    response = client.post("/strict", data="{bad", content_type="application/json")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert GENERIC_400 in body
    assert "Failed to decode" not in body
    assert seen[0][0] == GENERIC_400
    assert seen[0][1] == (
        "Failed to decode JSON object: Expecting property name enclosed in double quotes:"
        " line 1 column 2 (char 1)"
    )
    app.debug = True
    response = client.post("/strict", data="{bad", content_type="application/json")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Failed to decode JSON object: Expecting property name enclosed" in body
    assert GENERIC_400 not in body


def test_urlencoded_body_is_not_bounded_by_form_memory_size(
    make_client: MakeClient, app: Kettle
) -> None:
    # Werkzeug 3.1.9 (FormDataParser._parse_urlencoded) applies MAX_FORM_MEMORY_SIZE to
    # multipart text fields only; a urlencoded body is bounded by MAX_CONTENT_LENGTH.
    app.config["MAX_FORM_MEMORY_SIZE"] = 10

    @app.post("/form")
    def form() -> str:
        return str(len(request.form["a"]))

    client = make_client(app)
    response = client.post("/form", data={"a": "x" * 100})
    assert (response.status_code, response.get_data(as_text=True)) == (200, "100")
    response = client.post("/form", data={"a": "x" * 100, "f": (io.BytesIO(b"hi"), "f.txt")})
    assert response.status_code == 413


def test_max_content_length_is_413(make_client: MakeClient, app: Kettle) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/upload")
    def upload() -> str:
        return str(len(request.form))

    response = make_client(app).post("/upload", data={"big": "x" * 100})
    assert response.status_code == 413


def test_set_and_delete_cookie_on_response(make_client: MakeClient, app: Kettle) -> None:
    from kettle import make_response

    @app.route("/set")
    def set_cookie() -> Any:
        response = make_response("set")
        response.set_cookie("theme", "dark", max_age=60)
        return response

    @app.route("/get")
    def get_cookie() -> str:
        return request.cookies.get("theme", "none")

    @app.route("/del")
    def delete_cookie() -> Any:
        response = make_response("deleted")
        response.delete_cookie("theme")
        return response

    client = make_client(app)
    assert "theme=dark" in client.get("/set").headers["Set-Cookie"]
    assert client.get("/get").get_data(as_text=True) == "dark"
    client.get("/del")
    assert client.get("/get").get_data(as_text=True) == "none"


@pytest.mark.parametrize(
    "query",
    ["queries=20", "a=1&b=&a=2&&c", "a+b=c%20d", "q=%C3%A9&r=\u00c3\u00a9", ""],
    ids=["one", "repeated-and-blank", "escaped", "non-ascii", "empty"],
)
@pytest.mark.parametrize("storage", ["default", "subclass"])
def test_args_match_the_general_parse(query: str, storage: str) -> None:
    class Args(ImmutableMultiDict):
        pass

    class Custom(Request):
        parameter_storage_class = Args

    cls = Request if storage == "default" else Custom
    args = cls({"QUERY_STRING": query}).args
    expected = ImmutableMultiDict(list(iter_query_pairs(wsgi_decoding(query))))
    assert type(args) is cls.parameter_storage_class
    assert list(args.lists()) == list(expected.lists())
    with pytest.raises(TypeError, match="immutable"):
        args["x"] = "1"
