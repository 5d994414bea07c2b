"""The OpenAPI 3.1 document, built from the routes' msgspec types."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from slomix.kernel import Route

REF = "#/components/schemas/{name}"
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def _query_parameters(query_type: type) -> list[dict[str, Any]]:
    (schema,), components = msgspec.json.schema_components([query_type], ref_template=REF)
    name = schema["$ref"].rsplit("/", 1)[-1]
    body = components[name]
    required = set(body.get("required", []))
    return [
        {"name": key, "in": "query", "required": key in required, "schema": value}
        for key, value in body.get("properties", {}).items()
    ]


def document(routes: list[Route], title: str, version: str) -> dict[str, Any]:
    """Every ``api`` route with its parameters, request body and response schema."""
    api = [r for r in routes if r.kind == "api"]
    types = []
    for r in api:
        types.extend(t for t in (r.request_type, r.response_type) if t is not None)
    schemas, components = msgspec.json.schema_components(types, ref_template=REF) if types else ((), {})
    by_type = dict(zip(map(id, types), schemas, strict=True))
    paths: dict[str, dict[str, Any]] = {}
    for r in api:
        path = _PARAM.sub(r"{\1}", r.path)
        params = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                  for p in _PARAM.findall(r.path)]
        if r.query_type is not None:
            params.extend(_query_parameters(r.query_type))
        operation: dict[str, Any] = {
            "summary": r.summary or r.path,
            "operationId": f"{r.plugin}_{r.method.lower()}_{re.sub(r'\W+', '_', r.path).strip('_')}",
            "tags": list(r.tags) or [r.plugin],
            "parameters": params,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {
                    "schema": by_type[id(r.response_type)] if r.response_type is not None else {}}}},
                "422": {"description": "Invalid parameters; the message names the key path"},
            },
        }
        if r.request_type is not None:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": by_type[id(r.request_type)]}}}
        if r.tier is not None:
            operation["responses"]["401"] = {"description": "Sign-in required"}
            operation["responses"]["403"] = {"description": f"Needs the {r.tier} tier"}
        paths.setdefault(path, {})[r.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {"schemas": components},
    }
