"""The OpenAPI 3.1 document, built from the routes' msgspec types."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from slomix.kernel import Route

REF = "#/components/schemas/{name}"
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")
_UNSAFE = {"post", "put", "patch", "delete"}


class Problem(msgspec.Struct):
    """An error: the message says what was wrong (for 422, at which key path)."""

    error: str


def _errors(*codes: tuple[str, str]) -> dict[str, Any]:
    content = {"application/json": {"schema": {"$ref": REF.format(name="Problem")}}}
    return {code: {"description": text, "content": content} for code, text in codes}


# Text from outside may hold no NUL (the kernel's web.clean answers 422): the schema says so.
NO_NUL = "^[^\\u0000]*$"


def _no_nul(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every string in it (alone, in anyOf, in array items) refusing NUL."""
    schema = dict(schema)
    if schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema:
        schema["pattern"] = NO_NUL
    for key in ("anyOf", "oneOf"):
        if key in schema:
            schema[key] = [_no_nul(option) for option in schema[key]]
    if isinstance(schema.get("items"), dict):
        schema["items"] = _no_nul(schema["items"])
    return schema


def _query_parameters(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    return [{"name": key, "in": "query", "required": key in required, "schema": _no_nul(value)}
            for key, value in schema.get("properties", {}).items()]


def document(routes: list[Route], title: str, version: str) -> dict[str, Any]:
    """Every ``api`` route with its parameters, request body, response and error schemas."""
    api = [r for r in routes if r.kind == "api"]
    types: list[Any] = [Problem]
    for r in api:
        types.extend(t for t in (r.request_type, r.response_type, r.query_type, r.path_type) if t is not None)
    schemas, components = msgspec.json.schema_components(types, ref_template=REF)
    by_type = {id(t): s for t, s in zip(types, schemas, strict=True)}
    paths: dict[str, dict[str, Any]] = {}
    flattened: set[str] = set()  # query structs become parameters, not schemas
    for r in api:
        method = r.method.lower()
        path = _PARAM.sub(r"{\1}", r.path)
        typed = {}
        if r.path_type is not None:
            name = by_type[id(r.path_type)]["$ref"].rsplit("/", 1)[-1]
            typed = components[name].get("properties", {})
            flattened.add(name)
        params = [{"name": p, "in": "path", "required": True, "schema": _no_nul(typed.get(p, {"type": "string"}))}
                  for p in _PARAM.findall(r.path)]
        if r.query_type is not None:
            name = by_type[id(r.query_type)]["$ref"].rsplit("/", 1)[-1]
            params.extend(_query_parameters(components[name]))
            flattened.add(name)
        answer = by_type[id(r.response_type)] if r.response_type is not None else {}
        responses: dict[str, Any] = {
            str(r.status): {"description": "OK" if r.status == 200 else "Accepted" if r.status == 202 else "Done",
                            "content": {"application/json": {"schema": answer}}},
            **_errors(("400", "Bad request"), ("404", "Not found"),
                      ("422", "Invalid parameters (a NUL character, a value of the wrong type); the message "
                              "names the key path"),
                      ("429", "Too many requests from this address"),
                      ("503", "The database is unavailable: try again after Retry-After seconds")),
        }
        if method in _UNSAFE:
            responses.update(_errors(("413", "The body is over the route's limit")))
        responses.update(_errors(*((str(code), text) for code, text in r.errors.items())))
        if r.tier is not None:
            responses.update(_errors(("401", "Sign-in required"), ("403", f"Needs the {r.tier} tier")))
        if method in _UNSAFE and r.csrf:
            responses.update(_errors(("403", "Missing CSRF token, cross-site request or tier too low")))
        operation: dict[str, Any] = {
            "summary": r.summary or r.path,
            "operationId": f"{r.plugin}_{method}_{re.sub(r'\W+', '_', r.path).strip('_')}",
            "tags": list(r.tags) or [r.plugin],
            "parameters": params,
            "responses": responses,
        }
        if r.tier is not None:
            operation["security"] = [{"session": []}]
        if r.request_type is not None:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": by_type[id(r.request_type)]}}}
        paths.setdefault(path, {})[method] = operation
    used = {by_type[id(t)]["$ref"] for r in api for t in (r.request_type, r.response_type)
            if t is not None and "$ref" in by_type[id(t)]}
    for name in flattened - {u.rsplit("/", 1)[-1] for u in used}:
        del components[name]
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {"session": {
            "type": "apiKey", "in": "cookie", "name": "slomix_session",
            "description": "The session cookie set by signing in with Discord (/auth/login)"}}},
    }
