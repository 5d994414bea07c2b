"""The web contract: what a route handler receives and what it may answer.

Modelled on datasette's ``datasette.utils.asgi``: plugins import ``Request``, the response
types and the errors from here, never from a server library; the HTTP adapter turns them
into its server's objects. Every text that comes from outside (path parameters, query
values, headers, form fields) goes through :func:`clean`, so a NUL byte is a 422 naming
where it was, wherever it arrives.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from .forms import Form
    from .permissions import Actor
    from .runtime import Kernel

# -- errors ---------------------------------------------------------------------------------------


class HTTPError(Exception):
    """An answer other than success: the adapter sends ``status`` with ``message``."""

    status = 500

    def __init__(self, status: int | None = None, message: str = "", *,
                 headers: Mapping[str, str] | None = None) -> None:
        if status is not None:
            self.status = status
        self.message = message or type(self).__name__
        self.headers = dict(headers or {})
        super().__init__(self.message)


def _error(name: str, status: int, doc: str) -> type[HTTPError]:
    def __init__(self: HTTPError, message: str = "", *, headers: Mapping[str, str] | None = None) -> None:
        HTTPError.__init__(self, status, message, headers=headers)

    return type(name, (HTTPError,), {"status": status, "__init__": __init__, "__doc__": doc})


BadRequest = _error("BadRequest", 400, "The request is malformed (the message says where).")
Unauthorized = _error("Unauthorized", 401, "Sign in first, or the signature is missing or wrong.")
Forbidden = _error("Forbidden", 403, "Signed in, but not allowed.")
NotFound = _error("NotFound", 404, "Nothing here.")
Conflict = _error("Conflict", 409, "The request conflicts with what is stored.")
PayloadTooLarge = _error("PayloadTooLarge", 413, "The body (or one of its parts) is over the limit.")
UnsupportedMediaType = _error("UnsupportedMediaType", 415, "The body is of a type this route does not read.")
Unprocessable = _error("Unprocessable", 422, "The request is well formed but its values are invalid.")
TooManyRequests = _error("TooManyRequests", 429, "Slow down.")
ServiceUnavailable = _error("ServiceUnavailable", 503, "Not configured, or not ready.")


def clean(where: str, value: str) -> str:
    """``value`` when it holds no NUL; PostgreSQL text cannot hold one, so refuse it at the door.

    ``where`` is the key path: ``path.guid``, ``query.q``, ``header.x-token``, ``form.name``.
    """
    if "\x00" in value:
        raise Unprocessable(f"NUL characters are not allowed - at `{where}`")
    return value


# -- responses --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Response:
    """Bytes (or text) as they are."""

    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/plain; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JSONResponse:
    """``content`` encoded as JSON (msgspec: structs, dates and dicts alike)."""

    content: Any
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Page:
    """An HTML fragment the adapter puts inside the site's shell, under ``title``."""

    title: str
    html: str
    status: int = 200


@dataclass(frozen=True, slots=True)
class Redirect:
    url: str
    status: int = 303


@dataclass(frozen=True, slots=True)
class FileResponse:
    """A file streamed from disk, with ``Range``, ``ETag`` and a content disposition.

    ``inline`` shows it in the browser (a video, an image); otherwise it downloads as
    ``filename`` (default: the file's own name).
    """

    path: str | Path
    content_type: str | None = None
    filename: str | None = None
    inline: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)


# What a handler returns: a response, a page, a msgspec Struct / dict / list (JSON), an HTML
# string (a page fragment), or None (an empty JSON null).
type RouteResult = (Response | JSONResponse | Page | Redirect | FileResponse | msgspec.Struct
                    | Mapping[str, Any] | Sequence[Any] | str | None)
type Handler = Callable[[Request], Awaitable[RouteResult]]


# -- the request ------------------------------------------------------------------------------------


class Headers(Mapping[str, str]):
    """Request headers, case-insensitive; a value is checked for NUL when it is read."""

    __slots__ = ("_items",)

    def __init__(self, raw: Sequence[tuple[bytes, bytes]] = ()) -> None:
        self._items = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in raw]

    def __getitem__(self, key: str) -> str:
        wanted = key.lower()
        for name, value in self._items:
            if name == wanted:
                return clean(f"header.{wanted}", value)
        raise KeyError(key)

    def getlist(self, key: str) -> list[str]:
        wanted = key.lower()
        return [clean(f"header.{wanted}", v) for k, v in self._items if k == wanted]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(k for k, _ in self._items))

    def __len__(self) -> int:
        return len(dict.fromkeys(k for k, _ in self._items))

    def __repr__(self) -> str:
        return f"Headers({len(self._items)} lines)"


Panels = Callable[["Request", str, dict[str, Any]], Awaitable[str]]


class Request:
    """What a route handler receives.

    ``query`` is the query string converted to the route's ``query_type`` (a dict of the
    last value of each key when the route has none); ``data`` is the JSON body converted
    to its ``request_type``. The body can be read once, whole (``body``), in chunks
    (``stream``) or as a form (``form``), each under a size limit.
    """

    def __init__(
        self, *, kernel: Kernel, actor: Actor, method: str, path: str, headers: Headers,
        client: str | None, path_params: Mapping[str, Any], query: Any = None, data: Any = None,
        source: Callable[[], AsyncIterator[bytes]] | None = None, max_body: int = 1024 * 1024,
        scope: Mapping[str, Any] | None = None, panels: Panels | None = None,
    ) -> None:
        self.kernel = kernel
        self.actor = actor
        self.method = method
        self.path = path
        self.headers = headers
        self.client = client
        self.path_params = {k: clean(f"path.{k}", v) if isinstance(v, str) else v for k, v in path_params.items()}
        self.query = query
        self.data = data
        self.max_body = max_body
        # The server's own view of the request, for the adapter that made it (sessions).
        self.scope: Mapping[str, Any] = scope or {}
        self._source = source
        self._panels = panels
        self._consumed = False
        self._body: bytes | None = None
        self._temporary: list[Path] = []

    async def stream(self, limit: int | None = None) -> AsyncIterator[bytes]:
        """The body in chunks as they arrive; PayloadTooLarge past ``limit`` bytes."""
        limit = self.max_body if limit is None else limit
        if self._body is not None:
            if len(self._body) > limit:
                raise PayloadTooLarge(f"body larger than {limit} bytes")
            yield self._body
            return
        if self._consumed:
            raise RuntimeError("the request body was already read")
        self._consumed = True
        declared = self.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"body larger than {limit} bytes")
        if self._source is None:
            return
        size = 0
        async for chunk in self._source():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"body larger than {limit} bytes")
            if chunk:
                yield chunk

    async def body(self, limit: int | None = None) -> bytes:
        """The whole body (read once, then kept); PayloadTooLarge past ``limit`` bytes."""
        if self._body is None:
            self._body = b"".join([chunk async for chunk in self.stream(limit)])
        elif limit is not None and len(self._body) > limit:
            raise PayloadTooLarge(f"body larger than {limit} bytes")
        return self._body

    async def form(self, *, max_bytes: int | None = None, max_part_bytes: int = 1024 * 1024,
                   max_files: int = 1, max_fields: int = 100) -> Form:
        """A url-encoded or multipart form. Text fields are kept in memory (each at most
        ``max_part_bytes``); file parts are streamed to temporary files (each at most
        ``max_part_bytes``, at most ``max_files`` of them), removed after the response."""
        from . import forms

        folder = forms.spool_folder()
        self._temporary.append(folder)
        return await forms.parse(self.headers.get("content-type", ""), self.stream(max_bytes), folder,
                                 max_part_bytes=max_part_bytes, max_files=max_files, max_fields=max_fields)

    async def panels(self, slot: str, **params: Any) -> str:
        """HTML that other plugins contribute to ``slot`` (page routes tagged ``panel:<slot>``);
        each gets ``params`` as its path parameters."""
        return await self._panels(self, slot, params) if self._panels is not None else ""

    def derive(self, path_params: Mapping[str, Any]) -> Request:
        """The same caller asking another route (a panel), without a body."""
        return Request(kernel=self.kernel, actor=self.actor, method="GET", path=self.path, headers=self.headers,
                       client=self.client, path_params=path_params, query={}, scope=self.scope,
                       panels=self._panels)

    @property
    def holds_files(self) -> bool:
        """Uploaded parts are on disk until :meth:`close`."""
        return bool(self._temporary)

    def close(self) -> None:
        """Remove the temporary files of uploaded parts (the adapter calls it after the response)."""
        for folder in self._temporary:
            shutil.rmtree(folder, ignore_errors=True)
        self._temporary.clear()


# -- reading what the client sent ---------------------------------------------------------------------


def _where(error: msgspec.ValidationError, where: str) -> str:
    text = str(error)
    return text.replace("`$", f"`{where}") if "`$" in text else f"{text} (in {where})"


def query_value(pairs: Sequence[tuple[str, str]], query_type: type | None) -> Any:
    """The query string as ``query_type`` (a repeated key is a list only when the type asks for
    one, otherwise the last wins); a dict of the last values without a type."""
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(clean("query", key), []).append(clean(f"query.{key}", value))
    if query_type is None:
        return {key: found[-1] for key, found in values.items()}
    kinds = {f.encode_name: f.type for f in msgspec.structs.fields(query_type)}
    data = {key: found if _is_list(kinds.get(key)) else found[-1] for key, found in values.items()}
    try:
        return msgspec.convert(data, type=query_type, strict=False)
    except msgspec.ValidationError as error:
        raise Unprocessable(_where(error, "query")) from None


def path_value(params: Mapping[str, str], path_type: type | None) -> dict[str, Any]:
    """The path's parameters as ``path_type`` declares them (Unprocessable naming the one that
    does not fit); unchanged strings without a type."""
    if path_type is None:
        return dict(params)
    try:
        converted = msgspec.convert(dict(params), type=path_type, strict=False)
    except msgspec.ValidationError as error:
        raise Unprocessable(_where(error, "path")) from None
    return {f.encode_name: getattr(converted, f.name) for f in msgspec.structs.fields(path_type)}


def _is_list(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) in (list, tuple, set, frozenset)


def json_value[T](raw: bytes, wanted: type[T], where: str = "body") -> T:
    """Decode a JSON body as ``wanted``: BadRequest when it is not JSON (or nested past what
    a decoder can follow), Unprocessable naming the key path (under ``where``) when a value is wrong."""
    try:
        return msgspec.json.decode(raw, type=wanted)
    except msgspec.ValidationError as error:
        raise Unprocessable(_where(error, where)) from None
    except msgspec.DecodeError as error:
        raise BadRequest(f"body is not valid JSON: {error}") from None
    except RecursionError:
        raise BadRequest("body is not valid JSON: nested too deeply") from None
