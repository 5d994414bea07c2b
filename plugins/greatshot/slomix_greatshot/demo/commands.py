"""Server command text: Q3-style tokenising and info strings."""

from __future__ import annotations


def tokenize(text: str) -> list[str]:
    """Split like the game's Cmd_TokenizeString: whitespace, "quoted" tokens."""
    tokens: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] <= " ":
            i += 1
        if i >= n:
            break
        if text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            tokens.append(text[i + 1:end])
            i = end + 1
        else:
            start = i
            while i < n and text[i] > " ":
                i += 1
            tokens.append(text[start:i])
    return tokens


def info(text: str) -> dict[str, str]:
    """An info string ``\\key\\value\\key\\value`` (leading backslash optional) as a dict."""
    parts = text[1:].split("\\") if text.startswith("\\") else text.split("\\")
    return dict(zip(parts[::2], parts[1::2], strict=False))
