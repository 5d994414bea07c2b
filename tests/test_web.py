"""The web contract's own rules, without a server: headers, query and JSON reading refuse what they must."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec
import pytest

from slomix.kernel import BadRequest, Headers, HTTPError, NotFound, Unprocessable
from slomix.kernel.web import json_value, path_value, query_value


class Query(msgspec.Struct, forbid_unknown_fields=True):
    map: str | None = None
    tags: list[str] = []


def test_headers_are_case_insensitive_and_refuse_nul_when_read() -> None:
    headers = Headers([(b"X-Token", b"abc"), (b"x-token", b"def"), (b"x-bad", b"a\x00b")])
    assert headers["x-TOKEN"] == "abc" and headers.getlist("X-Token") == ["abc", "def"]
    assert list(headers) == ["x-token", "x-bad"] and len(headers) == 2
    with pytest.raises(Unprocessable, match=r"NUL characters are not allowed - at `header.x-bad`"):
        headers.get("x-bad")


def test_query_is_typed_repeats_are_lists_only_when_asked() -> None:
    pairs = [("map", "supply"), ("map", "goldrush"), ("tags", "a"), ("tags", "b")]
    assert query_value(pairs, Query) == Query(map="goldrush", tags=["a", "b"])
    assert query_value(pairs, None) == {"map": "goldrush", "tags": "b"}
    with pytest.raises(Unprocessable, match=r"unknown field `colour` \(in query\)"):
        query_value([("colour", "red")], Query)


class RoundPath(msgspec.Struct):
    day: date
    number: Annotated[int, msgspec.Meta(ge=1, le=2)]


def test_path_params_are_converted_to_their_declared_types() -> None:
    assert path_value({"day": "2025-10-23", "number": "2"}, RoundPath) == {"day": date(2025, 10, 23), "number": 2}
    assert path_value({"day": "someday"}, None) == {"day": "someday"}
    with pytest.raises(Unprocessable, match=r"at `path.number`"):
        path_value({"day": "2025-10-23", "number": "3"}, RoundPath)
    with pytest.raises(Unprocessable, match=r"at `path.day`"):
        path_value({"day": "2025-02-30", "number": "1"}, RoundPath)


def test_json_bodies_nested_past_reason_are_bad_requests() -> None:
    with pytest.raises(BadRequest, match="nested too deeply"):
        json_value(b"[" * 5000 + b"]" * 5000, list)
    with pytest.raises(Unprocessable, match=r"at `body.tags\[0\]`"):
        json_value(b'{"tags": [1]}', Query)


def test_typed_errors_carry_their_status() -> None:
    assert (NotFound("gone").status, NotFound("gone").message) == (404, "gone")
    assert HTTPError(502, "upstream").status == 502 and isinstance(NotFound(), HTTPError)
