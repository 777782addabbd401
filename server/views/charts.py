"""Server-side charts of the compare pages, drawn with matplotlib (SVG and PNG).

Why matplotlib rather than Vega-Lite + vl-convert-python: both are maintained and run with no network;
matplotlib draws Japanese with the system's Noto Sans CJK (fonts-noto-cjk, installed by
scripts/setup.sh --dev) in SVG *and* PNG from one code path, and turns every glyph into a path in SVG,
so the chart reads the same in any browser with no web font and no script (the CSP allows neither an
inline script nor a third-party font). vl-convert embeds a JavaScript engine (a ~100 MB wheel) to do the
same. The charts are images (`<img>` with an `alt`); each page shows the same figures in a table beside
the chart, and every bar or cell also carries its number or status as text, so nothing relies on colour.

>>> svg = heatmap_svg("t", ["鎌倉市"], ["1"], [[3]])
>>> svg.startswith(b"<?xml") and b"<svg" in svg
True
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache

#: Japanese first, then a Latin fallback; matplotlib warns (and draws boxes) only if neither exists
FONTS = ["Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "DejaVu Sans"]


@cache
def _setup() -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display; the Figure API below never touches pyplot's global state
    matplotlib.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": FONTS,
            "svg.fonttype": "path",  # glyphs as outlines: no font needed by the reader's browser
            "svg.hashsalt": "keikaku",  # stable ids, so the same data gives the same bytes
            "axes.unicode_minus": False,
        }
    )


def _figure(width: float, height: float):  # type: ignore[no-untyped-def]
    _setup()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _save(fig, fmt: str, title: str) -> bytes:  # type: ignore[no-untyped-def]
    """The figure as bytes, titled (an SVG carries a <title>: its accessible name, also when downloaded)."""
    out = io.BytesIO()
    metadata = {"Date": None, "Title": title} if fmt == "svg" else {"Title": title}
    fig.savefig(out, format=fmt, dpi=150 if fmt == "png" else 100, metadata=metadata)
    body = out.getvalue()
    if fmt == "svg":  # matplotlib writes the <title> from the metadata; the root element names its role
        body = body.replace(b'version="1.1">', b'version="1.1" role="img">', 1)
    return body


def heatmap(
    title: str, rows: Sequence[str], cols: Sequence[str], values: Sequence[Sequence[int]], fmt: str
) -> bytes:
    """A rows × cols grid of counts, each cell printed with its number (colour only repeats it)."""
    fig = _figure(max(6.0, 0.55 * len(cols) + 2.2), 0.6 * len(rows) + 1.6)
    ax = fig.add_subplot()
    peak = max((v for row in values for v in row), default=0) or 1
    ax.imshow(values, cmap="Greens", vmin=0, vmax=peak * 1.25, aspect="auto")
    ax.set_xticks(range(len(cols)), cols)
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("SDG 目標 / goal")
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            ax.text(
                j,
                i,
                str(v),
                ha="center",
                va="center",
                fontsize=9,
                color="white" if v > peak * 0.6 else "#111111",
            )
    ax.set_title(title, fontsize=11)
    return _save(fig, fmt, title)


def heatmap_svg(
    title: str, rows: Sequence[str], cols: Sequence[str], values: Sequence[Sequence[int]]
) -> bytes:
    return heatmap(title, rows, cols, values, "svg")


#: a status label → (bar colour, hatch): met and not met differ in pattern too, not only in colour
#: the status values are the indicator-status query's own (docs/indicator-status.md)
STATUS_STYLE = {
    "met": ("#1e7b34", ""),
    "relative met": ("#1e7b34", ""),
    "not met": ("#b42318", "//"),
    "relative not met": ("#b42318", "//"),
    "in progress": ("#5f6b76", ".."),
    "no data": ("#8a94a0", "xx"),
}


def indicator_bars(title: str, bars: Sequence[dict[str, object]], fmt: str) -> bytes:
    """One horizontal bar per indicator: its actual as a percentage of its target, with a line at 100 %.

    `bars` items: label, ratio (actual / target × 100, or None without a target), status (the
    indicator-status query's own `status`), text (the figure printed at the bar's end)."""
    fig = _figure(9.0, 0.32 * len(bars) + 1.4)
    ax = fig.add_subplot()
    labels = [str(b["label"]) for b in bars]
    ys = list(range(len(bars)))[::-1]
    top = 100.0
    for y, b in zip(ys, bars, strict=True):
        ratio = b.get("ratio")
        colour, hatch = STATUS_STYLE.get(str(b.get("status")), STATUS_STYLE["no data"])
        width = float(ratio) if isinstance(ratio, int | float) else 0.0
        top = max(top, width)
        ax.barh(y, width, color=colour, hatch=hatch, edgecolor="white", height=0.7)
        ax.text(width + 1, y, str(b.get("text", "")), va="center", fontsize=8)
    ax.axvline(100, color="#1f2933", linestyle="--", linewidth=1)
    ax.set_yticks(ys, labels, fontsize=8)
    ax.set_xlim(0, top * 1.35)
    ax.set_xlabel("実績 ÷ 目標値（%） / actual as % of target")
    ax.set_title(title, fontsize=11)
    return _save(fig, fmt, title)
