"""The human API reference at /docs, rendered from the OpenAPI document (no JavaScript)."""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Any

_METHOD_ORDER = {"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}


def type_text(schema: dict[str, Any]) -> str:
    """A JSON Schema as short HTML: ``integer``, ``list of <a>Player</a>``, ``string or null``."""
    if "$ref" in schema:
        name = escape(schema["$ref"].rsplit("/", 1)[-1])
        return f'<a href="#schema-{name}">{name}</a>'
    if "anyOf" in schema:
        return " or ".join(type_text(s) for s in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(f"<code>{escape(str(v))}</code>" for v in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        return "list of " + type_text(schema.get("items", {}))
    if kind == "object" and "additionalProperties" in schema:
        return "map of " + type_text(schema["additionalProperties"])
    text = escape(str(kind or "any"))
    if "format" in schema:
        text += f" ({escape(schema['format'])})"
    limits = [f"{label} {schema[key]}" for key, label in (("minimum", "≥"), ("maximum", "≤"),
                                                          ("maxLength", "length ≤")) if key in schema]
    return text + (f" <small>{escape(', '.join(limits))}</small>" if limits else "")


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    params = op.get("parameters", [])
    rows = "".join(
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
        f"<td>{type_text(p.get('schema', {}))}</td><td>{'yes' if p.get('required') else ''}</td></tr>"
        for p in params)
    table = (f'<div class="scroll"><table><thead><tr><th>Parameter</th><th>In</th><th>Type</th><th>Required</th>'
             f"</tr></thead><tbody>{rows}</tbody></table></div>") if rows else ""
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    answer = op["responses"]["200"]["content"]["application/json"]["schema"]
    errors = ", ".join(f"{code} {escape(r['description'])}" for code, r in op["responses"].items() if code != "200")
    try_it = ""
    if method == "get" and not any(p.get("required") for p in params):
        try_it = f' <a class="try" href="{escape(path)}">open</a>'
    return (f'<article class="op" id="{escape(op["operationId"])}"><h3><span class="method {method}">'
            f'{method.upper()}</span> <code>{escape(path)}</code>{try_it}</h3><p>{escape(op["summary"])}</p>'
            f"{table}"
            + (f"<p>Body: {type_text(body)}</p>" if body else "")
            + f"<p>Answers: {type_text(answer) if answer else 'JSON'}</p>"
            + (f'<p class="muted">Errors: {errors}</p>' if errors else "")
            + "</article>")


def _schema(name: str, schema: dict[str, Any]) -> str:
    required = set(schema.get("required", []))
    rows = "".join(
        f"<tr><td><code>{escape(key)}</code></td><td>{type_text(value)}</td>"
        f"<td>{'' if key in required else 'optional'}</td></tr>"
        for key, value in schema.get("properties", {}).items())
    doc = f"<p>{escape(schema['description'])}</p>" if schema.get("description") else ""
    table = (f'<div class="scroll"><table><thead><tr><th>Field</th><th>Type</th><th></th></tr></thead>'
             f"<tbody>{rows}</tbody></table></div>") if rows else f"<p>{type_text(schema)}</p>"
    return f'<article class="schema" id="schema-{escape(name)}"><h3>{escape(name)}</h3>{doc}{table}</article>'


def page(spec: dict[str, Any]) -> str:
    """Operations grouped by tag, then every schema they use."""
    by_tag: dict[str, list[str]] = defaultdict(list)
    for path, operations in sorted(spec["paths"].items()):
        for method, op in sorted(operations.items(), key=lambda item: _METHOD_ORDER.get(item[0], 9)):
            by_tag[op["tags"][0]].append(_operation(path, method, op))
    toc = "".join(f'<a href="#tag-{escape(tag)}">{escape(tag)}</a>' for tag in sorted(by_tag))
    groups = "".join(f'<section id="tag-{escape(tag)}"><h2>{escape(tag)}</h2>{"".join(ops)}</section>'
                     for tag, ops in sorted(by_tag.items()))
    schemas = "".join(_schema(n, s) for n, s in sorted(spec["components"]["schemas"].items()))
    return (f'<h1>{escape(spec["info"]["title"])} API <small>{escape(spec["info"]["version"])}</small></h1>'
            '<p>JSON over HTTP. Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). '
            "Invalid parameters answer 422 with an <code>error</code> naming the key path; routes that need a "
            "tier answer 401 (signed out) or 403; state-changing requests need the page's CSRF token in "
            "<code>X-CSRF-Token</code>.</p>"
            f'<nav class="chips" aria-label="Groups">{toc}</nav>{groups}'
            f'<section id="schemas"><h2>Schemas</h2>{schemas}</section>')
