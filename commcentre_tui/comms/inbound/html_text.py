"""HTML → plain text with the standard library: what an HTML-only email says, never markup.

Scripts, styles and comments are dropped; block elements and ``<br>`` become line breaks; a
link keeps its address after its text; entities are decoded. Malformed HTML never raises.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    {
        "p",
        "div",
        "br",
        "tr",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "blockquote",
        "pre",
        "hr",
        "section",
        "article",
        "header",
        "footer",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
    }
)
_SKIP = frozenset({"script", "style", "head", "title", "template", "noscript"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.href: str | None = None
        self.quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")
            if tag == "blockquote":
                self.quote += 1
        elif tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            if tag == "blockquote":
                self.quote = max(0, self.quote - 1)
            self.parts.append("\n")
        elif tag == "a" and self.href:
            if self.href.startswith(("http://", "https://", "mailto:")):
                self.parts.append(f" ({self.href})")
            self.href = None

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        text = re.sub(r"\s+", " ", data)
        if self.quote and text.strip():
            text = "> " * self.quote + text.lstrip()
        self.parts.append(text)


def html_to_text(html: str) -> str:
    """The readable text of ``html``: paragraphs on their own lines, at most one blank line."""
    parser = _Text()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; anything it still trips on keeps what it had
        pass
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
