"""The building blocks of report.html that its page and its evidence share: escaping, cells, tables,
images, anchors.

Every value that comes from an artifact, a diff row, a finding or a recipe goes through :func:`e`
(``html.escape`` with quotes); cells and tables take finished cell HTML made with it.
"""

from __future__ import annotations

import html
import re
from typing import Iterable, Optional, Sequence
from urllib.parse import quote

# A plot's data: URL percent-encodes only what a URL or a double-quoted attribute gives a meaning to (%
# escapes, # ends the URL, " ends the attribute, & starts an entity): an SVG stays about its own size
# where base64 made it a third bigger, and nothing in the attribute can end it. Four plain replaces
# do it at memory speed (urllib's quote took a fifth of the page's time); an SVG with text that is not
# ASCII, or with control characters, goes through quote, which encodes everything but _URL_SAFE.
_URL_CODES = (("%", "%25"), ("#", "%23"), ('"', "%22"), ("&", "%26"))
_URL_SAFE = "".join(chr(c) for c in range(32, 127) if chr(c) not in '%#"&')
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _url_body(svg: str) -> str:
    if not svg.isascii() or _CONTROL.search(svg):
        return quote(svg, safe=_URL_SAFE)
    for char, code in _URL_CODES:
        svg = svg.replace(char, code)
    return svg


def e(value: object) -> str:
    """Escape any value for HTML text and attribute values."""
    return html.escape(str(value), quote=True)


def td(value: object, cls: str = "") -> str:
    return "<td{}>{}</td>".format(f' class="{cls}"' if cls else "", e(value))


def table(header: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "", table_id: str = "") -> str:
    """``rows`` hold finished cell HTML (``<td>...``); the header is escaped here."""
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>{}</tr>".format("".join(r)) for r in rows)
    attr = (f' id="{table_id}"' if table_id else "") + (f' class="{cls}"' if cls else "")
    return f'<div class="scroll"><table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def css_state(state: str) -> str:
    """A verdict or status as a class name (``not compared`` -> ``not-compared``); anything but letters,
    digits and dashes becomes a dash, so an artifact's status can never leave the attribute."""
    return "".join(c if c.isalnum() or c == "-" else "-" for c in state)


def img(svg: Optional[str], alt: str) -> str:
    """A plot as an image of its own (a ``data:`` URL): the page's CSP allows no other image source, an
    SVG shown as an image runs nothing, and the figure's text cannot reach the page's markup."""
    if svg is None:
        return ""
    return f'<img src="data:image/svg+xml,{_url_body(svg)}" alt="{e(alt)}">'


def anchor(name: str, prefix: str = "scenario-") -> str:
    """An id made of the name's safe characters (the name itself stays in the text, escaped)."""
    return prefix + "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def details(summary: str, body: str, cls: str = "", opened: bool = False) -> str:
    """A collapsed section; ``summary`` is finished HTML."""
    attr = (f' class="{cls}"' if cls else "") + (" open" if opened else "")
    return f"<details{attr}><summary>{summary}</summary>{body}</details>"
