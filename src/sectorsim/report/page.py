"""The one page shell every report shares, figure embedding, and figure layout that fits the page.

A report is one self-contained HTML file: :func:`page` wraps a title and a body in the same head and
style sheet for every report, and :func:`figure` embeds a matplotlib figure as a PNG ``<img>`` (so the
report opens offline and can be mailed as one file). Images never overflow the page
(``max-width:100%``), and :func:`panels` lays a figure's panels out in rows no wider than the page.

Reads and writes: nothing but the figures and text it is handed (:func:`write` writes the page).
"""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

#: Width of the page's content, in pixels (the style sheet's max-width).
PAGE_PX = 1100
#: Resolution figures are saved with.
DPI = 110
#: Widest figure, in inches, that shows at full size on the page.
PAGE_INCHES = PAGE_PX / DPI

STYLE = (
    f"body{{font-family:sans-serif;max-width:{PAGE_PX}px;margin:2em auto;padding:0 1em;color:#222}}"
    "table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right;vertical-align:top}"
    "th:first-child{text-align:left}small{color:#666}"
    "img{max-width:100%;height:auto}"
    "table{max-width:100%}td,th{overflow-wrap:break-word}"
    "#headline .arm-headline{border-left:4px solid #2a6ebb;padding:0 1em;margin:1em 0;background:#f6f9fc}"
)


def head(title: str) -> str:
    """The document's start up to and including ``<body>``: charset, title, the shared style sheet."""
    return (
        f'<!doctype html><html><head><meta charset="utf-8">\n<title>{html.escape(title)}</title>\n'
        f"<style>{STYLE}</style></head><body>\n"
    )


def page(title: str, body: str) -> str:
    """A whole report: the shared head, ``body`` (HTML), and the closing tags."""
    return f"{head(title)}{body}\n</body></html>"


def write(path: str | Path, title: str, body: str) -> None:
    """Write a report page to ``path`` (UTF-8)."""
    Path(path).write_text(page(title, body), encoding="utf-8")


def png(fig: plt.Figure) -> str:
    """A figure as base64 PNG (the figure is closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def figure(fig: plt.Figure, alt: str = "") -> str:
    """A figure embedded as ``<p><img src="data:image/png;base64,..."></p>``; its title is the alt text."""
    text = alt or fig.get_suptitle() or next((a.get_title() for a in fig.axes if a.get_title()), "figure")
    return f'<p><img src="data:image/png;base64,{png(fig)}" alt="{html.escape(text)}"></p>'


def figures(figs: list[plt.Figure]) -> str:
    """Several figures, one after another."""
    return "".join(figure(f) for f in figs)  # loop: figures


def panels(
    n: int, width: float, height: float, max_width: float = PAGE_INCHES, **kwargs: Any
) -> tuple[plt.Figure, list[Any]]:
    """A figure of ``n`` panels of ``width`` x ``height`` inches, in rows that fit ``max_width``.

    Rows are balanced (four panels that fit three to a row are laid out two and two); cells left
    over in the last row are hidden.

    Returns:
        The figure and its ``n`` axes, row by row.
    """
    kwargs.setdefault("layout", "constrained")
    per_row = max(1, min(n, int(max_width // width)))
    rows = math.ceil(n / per_row)
    per_row = math.ceil(n / rows)
    fig, axes = plt.subplots(rows, per_row, figsize=(width * per_row, height * rows), squeeze=False, **kwargs)
    flat = list(np.ravel(axes))
    for ax in flat[n:]:  # loop: unused cells of the last row
        ax.set_visible(False)
    return fig, flat[:n]
