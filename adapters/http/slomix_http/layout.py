"""The page shell around every HTML page: head, navigation, account, footer.

Plain string building with ``html.escape``: the shell is small and a template engine
would be the biggest dependency of the adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import quote


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    href: str
    current: bool = False


@dataclass(frozen=True, slots=True)
class Shell:
    """What the shell needs besides the page's own title and body."""

    nav: list[NavItem]
    path: str
    csrf: str
    user_name: str | None
    login_enabled: bool
    assets: dict[str, str]
    version: str


def _account(shell: Shell) -> str:
    if shell.user_name is not None:
        return (f'<form class="account" method="post" action="/auth/logout">'
                f'<span class="who">{escape(shell.user_name)}</span>'
                f'<input type="hidden" name="csrf_token" value="{escape(shell.csrf)}">'
                '<button type="submit">Sign out</button></form>')
    if shell.login_enabled:
        return (f'<a class="account button" href="/auth/login?next={quote(shell.path, safe="/")}">'
                "Sign in with Discord</a>")
    return ""


def _nav(items: list[NavItem]) -> str:
    links = "".join(
        f'<a href="{escape(i.href)}"{" aria-current=page" if i.current else ""}>{escape(i.label)}</a>'
        for i in items)
    return f'<nav class="nav" aria-label="Main">{links}</nav>'


def document(title: str, body: str, shell: Shell) -> str:
    """A whole HTML page: ``body`` is trusted HTML (the page escaped its data)."""
    css, js, icon = shell.assets["site.css"], shell.assets["site.js"], shell.assets["favicon.svg"]
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} · Slomix</title>"
        f'<meta name="csrf-token" content="{escape(shell.csrf)}">'
        '<meta name="color-scheme" content="dark light">'
        f'<link rel=icon href="{icon}" type="image/svg+xml">'
        f'<link rel=stylesheet href="{css}"><script src="{js}" defer></script></head>'
        '<body><a class="skip" href="#main">Skip to content</a>'
        f'<header class="top"><a class="brand" href="/">Slomix</a>{_nav(shell.nav)}{_account(shell)}</header>'
        f'<main id="main">{body}</main>'
        f'<footer class="foot">Slomix {escape(shell.version)} · <a href="/docs">API</a>'
        ' · <a href="/health">Status</a></footer></body></html>'
    )


def error_body(status: int, message: str, *, sign_in: str | None = None) -> str:
    """The body of an error page; ``sign_in`` is a login link to offer (401)."""
    hint = f'<p><a class="button" href="{escape(sign_in)}">Sign in with Discord</a></p>' if sign_in else ""
    return (f'<section class="error"><h1>{status}</h1><p>{escape(message)}</p>{hint}'
            '<p><a href="/">Back to the start page</a></p></section>')
