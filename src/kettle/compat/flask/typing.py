"""Mirror of ``flask.typing``: the type aliases Flask's signatures use.

Rules: types only; they describe what Kettle accepts, the same shapes as Flask 3.1.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeAlias, TypeVar

from kettle.http.headers import Headers
from kettle.web.wrappers import Response

ResponseValue: TypeAlias = (
    Response
    | str
    | bytes
    | list[Any]
    | Mapping[str, Any]
    | Iterator[str]
    | Iterator[bytes]
    | Iterable[str]
    | Iterable[bytes]
)
HeaderValue: TypeAlias = str | list[str] | tuple[str, ...]
HeadersValue: TypeAlias = Headers | Mapping[str, HeaderValue] | Sequence[tuple[str, HeaderValue]]
ResponseReturnValue: TypeAlias = (
    ResponseValue
    | tuple[ResponseValue, HeadersValue]
    | tuple[ResponseValue, int]
    | tuple[ResponseValue, int, HeadersValue]
    | Callable[..., Any]
)
ResponseClass = TypeVar("ResponseClass", bound=Response)
AppOrBlueprintKey: TypeAlias = str | None
AfterRequestCallable: TypeAlias = (
    Callable[[ResponseClass], ResponseClass] | Callable[[ResponseClass], Awaitable[ResponseClass]]
)
BeforeFirstRequestCallable: TypeAlias = Callable[[], None] | Callable[[], Awaitable[None]]
BeforeRequestCallable: TypeAlias = (
    Callable[[], ResponseReturnValue | None] | Callable[[], Awaitable[ResponseReturnValue | None]]
)
ShellContextProcessorCallable: TypeAlias = Callable[[], dict[str, Any]]
TeardownCallable: TypeAlias = (
    Callable[[BaseException | None], None] | Callable[[BaseException | None], Awaitable[None]]
)
TemplateContextProcessorCallable: TypeAlias = (
    Callable[[], dict[str, Any]] | Callable[[], Awaitable[dict[str, Any]]]
)
TemplateFilterCallable: TypeAlias = Callable[..., Any]
TemplateGlobalCallable: TypeAlias = Callable[..., Any]
TemplateTestCallable: TypeAlias = Callable[..., bool]
URLDefaultCallable: TypeAlias = Callable[[str, dict[str, Any]], None]
URLValuePreprocessorCallable: TypeAlias = Callable[[str | None, dict[str, Any] | None], None]
ErrorHandlerCallable: TypeAlias = (
    Callable[[Any], ResponseReturnValue] | Callable[[Any], Awaitable[ResponseReturnValue]]
)
RouteCallable: TypeAlias = (
    Callable[..., ResponseReturnValue] | Callable[..., Awaitable[ResponseReturnValue]]
)

__all__ = [
    "AfterRequestCallable",
    "AppOrBlueprintKey",
    "BeforeFirstRequestCallable",
    "BeforeRequestCallable",
    "ErrorHandlerCallable",
    "HeaderValue",
    "HeadersValue",
    "ResponseClass",
    "ResponseReturnValue",
    "ResponseValue",
    "RouteCallable",
    "ShellContextProcessorCallable",
    "TeardownCallable",
    "TemplateContextProcessorCallable",
    "TemplateFilterCallable",
    "TemplateGlobalCallable",
    "TemplateTestCallable",
    "URLDefaultCallable",
    "URLValuePreprocessorCallable",
]
