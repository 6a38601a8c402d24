"""Server-side charts as inline SVG, for the dashboards in the browser, printing and the
WeasyPrint evidence pack: no JavaScript, so the same chart works everywhere.

Each function returns a ``SafeString`` ``<svg role="img">`` with a ``<title>`` and a ``<desc>``
that reads the data out (a screen reader hears the figures, not "image"), sized by ``viewBox`` so
it scales to its container (``width="100%"``). Text scales with it: ``width`` (viewBox units,
default 640) should be close to the pixels the chart will get, so pass ``width=360`` for a phone
card and cap the container (e.g. ``max-width: 48rem``) on a wide screen.
Labels are escaped. Only presentation attributes (``fill``, ``stroke``, ``font-size``) are used:
the site's CSP blocks ``style=`` attributes. Colours meet WCAG AA for text (4.5:1) and for
graphics (3:1) on white; the heatmap uses a colour-blind-safe sequential scale (ColorBrewer
YlGnBu) and prints the number in every cell, so colour is never the only carrier.

Put a small table of the same figures beside each chart where the page is evidence (the pack does).
"""

import datetime
import itertools
import math
from numbers import Number

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
TEXT = "#1a1a1a"  # 17:1 on white
MUTED = "#595959"  # 7:1 on white: axis labels and zeros
GRID = "#d9d9d9"  # gridlines carry no information of their own
BAR = "#1f5fa8"  # 6.3:1 on white
WHOLE = "#c6dbef"  # pale blue: the whole behind a part (outlined in BAR, so the bar's edge still shows 3:1)
COMPARE = "#b35806"  # orange-brown, 4.8:1 on white; also dashed so it isn't told apart by colour alone
# YlGnBu, 5 classes (ColorBrewer: colour-blind safe, print friendly); zero is white.
HEAT = ["#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"]
ZERO = "#ffffff"

WIDTH = 640  # viewBox units; text is 11-15 units, so show a chart at 0.75-1.5x this width
_ids = itertools.count(1)  # unique ids for aria-labelledby when several charts share a page


def fmt(value, unit: str = "") -> str:
    """12 → "12", 12.0 → "12", 3.456 → "3.5", 1234 → "1,234"; with a unit: "12 min"."""
    if value is None:
        text = "–"
    elif isinstance(value, Number) and float(value).is_integer():
        text = f"{int(value):,}"
    else:
        text = f"{float(value):,.1f}"
    return f"{text} {unit}" if unit and value is not None else text


def _check(values) -> None:
    for v in values:
        if v is not None and (not isinstance(v, Number) or v < 0 or math.isnan(v)):
            raise ValueError(f"charts take counts and durations (numbers ≥ 0), not {v!r}")


def _clip(label: str, chars: int) -> str:
    label = str(label)
    return label if len(label) <= chars else label[: max(chars - 1, 1)] + "…"


def _wrap(label: str, chars: int) -> list[str]:
    """A column label on one line, or two if it is too wide (split at a space), each clipped."""
    if len(label) <= chars or " " not in label:
        return [_clip(label, chars)]
    words, first = label.split(), ""
    while words and len(f"{first} {words[0]}".strip()) <= chars:
        first = f"{first} {words.pop(0)}".strip()
    if not first:
        first = words.pop(0)
    return [_clip(first, chars), _clip(" ".join(words), chars)] if words else [_clip(first, chars)]


def _text(x, y, content, *, size=13, anchor="start", fill=TEXT, weight=None, baseline=None) -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    extra += f' dominant-baseline="{baseline}"' if baseline else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}"{extra}>{escape(content)}</text>')


def _svg(width: float, height: float, title: str, desc: str, body: list[str], css_class: str) -> SafeString:
    n = next(_ids)
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="chart{n}-t chart{n}-d" '
        f'class="{escape(css_class)}" font-family="{FONT}">'
        f'<title id="chart{n}-t">{escape(title)}</title><desc id="chart{n}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


def _empty(title: str, message: str, css_class: str, show_title: bool, width: int) -> SafeString:
    body = [_text(0, 18, title, size=15, weight="bold")] if show_title else []
    y = 48 if show_title else 22
    body.append(_text(0, y, message, fill=MUTED))
    return _svg(width, y + 12, title, message, body, css_class)


def _nice_max(top: float) -> tuple[float, float]:
    """An axis top at or above ``top`` on a 1-2-5 step, and the step (at most 5 gridlines)."""
    if top <= 0:
        return 1, 1
    raw = top / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if step < 1 and float(top).is_integer():
        step = 1  # whole-number data gets whole-number gridlines
    return step * math.ceil(top / step - 1e-9), step


def bar_chart(items: list[tuple[str, float]], *, title: str, unit: str = "", horizontal: bool = True,
              desc: str | None = None, empty_message: str = "Nothing recorded in this period.",
              show_title: bool = True, max_label_chars: int = 32, css_class: str = "chart",
              width: int = WIDTH, label_above: bool | None = None) -> SafeString:
    """Bars for a few labelled figures (top antecedents, places, likely functions). Bars scale to
    the largest value; each bar has its value printed at its end, so no axis is needed.

    ``label_above`` puts each label on its own line over its bar, the full width of the chart, so
    long labels (antecedent → behaviour pairs) are not clipped; by default only a narrow chart
    (under 480 units) whose labels would be clipped beside the bars does so."""
    items = [(str(label), value) for label, value in items]
    _check(v for _, v in items)
    if not items:
        return _empty(title, empty_message, css_class, show_title, width)
    desc = desc or f"{title}. " + "; ".join(f"{label}: {fmt(v, unit)}" for label, v in items) + "."
    top = max((v or 0) for _, v in items) or 1
    head = 32 if show_title else 4
    body = [_text(0, 18, title, size=15, weight="bold")] if show_title else []

    if horizontal and label_above is None:
        longest = min(max(len(label) for label, _ in items), max_label_chars)
        label_above = width < 480 and 7.4 * longest + 10 > width * 0.45
    if horizontal and label_above:
        return _bars_under_labels(items, top, head, body, title=title, desc=desc, unit=unit, css_class=css_class,
                                  width=width)
    if horizontal:
        chars = min(max(len(label) for label, _ in items), max_label_chars)
        label_w = min(max(7.4 * chars + 10, 60), 260, width * 0.45)
        chars = min(chars, int((label_w - 10) / 7.4))  # a narrow chart clips long labels sooner
        value_w = 8 + 8 * max(len(fmt(v, unit)) for _, v in items)
        span = width - label_w - value_w
        row = 28
        for i, (label, value) in enumerate(items):
            y = head + i * row
            length = span * (value or 0) / top
            shown = _clip(label, chars)
            body.append("<g>")
            if shown != label:
                body.append(f"<title>{escape(label)}</title>")
            body.append(_text(label_w - 8, y + row / 2, shown, anchor="end", baseline="central"))
            if length > 0:
                body.append(f'<rect x="{label_w:.1f}" y="{y + 4:.1f}" width="{max(length, 1.5):.1f}" '
                            f'height="{row - 8}" fill="{BAR}"/>')
            body.append(_text(label_w + length + 6, y + row / 2, fmt(value, unit), baseline="central",
                              fill=TEXT if value else MUTED))
            body.append("</g>")
        body.append(f'<line x1="{label_w:.1f}" y1="{head:.1f}" x2="{label_w:.1f}" '
                    f'y2="{head + row * len(items):.1f}" stroke="{MUTED}" stroke-width="1"/>')
        return _svg(width, head + row * len(items) + 4, title, desc, body, css_class)

    height = head + 200
    base = height - 36  # room for category labels under the baseline
    col = width / len(items)
    chars = max(int(col / 7.5), 3)
    for i, (label, value) in enumerate(items):
        x = i * col
        length = (base - head - 20) * (value or 0) / top
        bar_w = min(col * 0.7, 60)
        shown = _clip(label, chars)
        body.append("<g>")
        if shown != label:
            body.append(f"<title>{escape(label)}</title>")
        if length > 0:
            body.append(f'<rect x="{x + (col - bar_w) / 2:.1f}" y="{base - length:.1f}" width="{bar_w:.1f}" '
                        f'height="{max(length, 1.5):.1f}" fill="{BAR}"/>')
        body.append(_text(x + col / 2, base - length - 6, fmt(value, unit), anchor="middle",
                          fill=TEXT if value else MUTED))
        body.append(_text(x + col / 2, base + 18, shown, anchor="middle", size=12))
        body.append("</g>")
    body.append(f'<line x1="0" y1="{base:.1f}" x2="{width}" y2="{base:.1f}" stroke="{MUTED}" stroke-width="1"/>')
    return _svg(width, height, title, desc, body, css_class)


def _bars_under_labels(items, top, head, body, *, title, desc, unit, css_class, width) -> SafeString:
    """Horizontal bars, each under its label, which takes a second line if it must (a phone's width,
    or labels too long to sit beside)."""
    chars = int(width / 7.4)
    value_w = 8 + 8 * max(len(fmt(v, unit)) for _, v in items)
    span = width - value_w - 1
    bar_h, y = 14, head
    for label, value in items:
        length = span * (value or 0) / top
        lines = _wrap(label, chars)
        body.append("<g>")
        if " ".join(lines) != label:
            body.append(f"<title>{escape(label)}</title>")
        body.extend(_text(0, y + 14 + 16 * k, line) for k, line in enumerate(lines))
        bar_y = y + 20 + 16 * (len(lines) - 1)
        if length > 0:
            body.append(f'<rect x="1" y="{bar_y:.1f}" width="{max(length, 1.5):.1f}" height="{bar_h}" '
                        f'fill="{BAR}"/>')
        body.append(_text(1 + length + 6, bar_y + bar_h / 2, fmt(value, unit), baseline="central",
                          fill=TEXT if value else MUTED))
        body.append("</g>")
        y = bar_y + bar_h + 6
    body.append(f'<line x1="0.5" y1="{head + 18:.1f}" x2="0.5" y2="{y - 6:.1f}" stroke="{MUTED}" stroke-width="1"/>')
    return _svg(width, y + 4, title, desc, body, css_class)


def part_bar_chart(items: list[tuple[str, float, float]], *, title: str, part_label: str, whole_label: str,
                   desc: str | None = None, empty_message: str = "Nothing recorded in this period.",
                   show_title: bool = True, css_class: str = "chart", width: int = WIDTH,
                   label_above: bool | None = None) -> SafeString:
    """For each label a part of a whole (a strategy: times used, and how many of those de-escalated):
    a pale outlined bar for the whole with the part drawn solid inside it, "4 of 9" at its end and a
    legend naming both. Bars keep the callers' order, so order them by the whole (the longer bar)."""
    items = [(str(label), part, whole) for label, part, whole in items]
    _check(v for _, p, w in items for v in (p, w))
    if any((p or 0) > (w or 0) for _, p, w in items):
        raise ValueError("a part can't be larger than its whole")
    if not items:
        return _empty(title, empty_message, css_class, show_title, width)
    desc = desc or f"{title}. " + "; ".join(
        f"{label}: {whole_label} {fmt(w)}, {part_label} {fmt(p)}" for label, p, w in items) + "."
    top = max((w or 0) for _, _, w in items) or 1
    head = 32 if show_title else 4
    body = [_text(0, 18, title, size=15, weight="bold")] if show_title else []
    # legend: what the solid and the pale bar mean
    x = 0
    for name, fill in ((part_label, BAR), (whole_label, WHOLE)):
        body.append(f'<rect x="{x + 0.5}" y="{head + 3.5}" width="18" height="12" fill="{fill}" '
                    f'stroke="{BAR}" stroke-width="1"/>')
        body.append(_text(x + 24, head + 10, name, size=12, baseline="central"))
        x += 40 + 7 * len(name)
    head += 26

    values = [f"{fmt(p)} of {fmt(w)}" for _, p, w in items]
    value_w = 8 + 7.4 * max(len(v) for v in values)
    longest = max(len(label) for label, _, _ in items)
    if label_above is None:  # a strategy's words matter: whole, over its bar, rather than clipped beside it
        label_above = 7.4 * longest + 10 > min(260, width * 0.45)
    if label_above:
        label_w, chars, bar_h = 1, int(width / 7.4), 14
    else:
        label_w = min(max(7.4 * min(longest, 32) + 10, 60), 260, width * 0.45)
        chars, bar_h = int((label_w - 10) / 7.4), 20
    span = width - label_w - value_w
    y = head
    for (label, part, whole), value in zip(items, values):
        lines = _wrap(label, chars) if label_above else [_clip(label, chars)]
        body.append("<g>")
        if " ".join(lines) != label:
            body.append(f"<title>{escape(label)}</title>")
        if label_above:
            body.extend(_text(0, y + 14 + 16 * k, line) for k, line in enumerate(lines))
            bar_y = y + 20 + 16 * (len(lines) - 1)
        else:
            body.append(_text(label_w - 8, y + 14, lines[0], anchor="end", baseline="central"))
            bar_y = y + 4
        whole_len, part_len = span * (whole or 0) / top, span * (part or 0) / top
        if whole_len > 0:
            body.append(f'<rect x="{label_w + 0.5:.1f}" y="{bar_y + 0.5:.1f}" width="{max(whole_len - 1, 1):.1f}" '
                        f'height="{bar_h - 1}" fill="{WHOLE}" stroke="{BAR}" stroke-width="1"/>')
        if part_len > 0:
            body.append(f'<rect x="{label_w:.1f}" y="{bar_y:.1f}" width="{max(part_len, 1.5):.1f}" '
                        f'height="{bar_h}" fill="{BAR}"/>')
        body.append(_text(label_w + whole_len + 6, bar_y + bar_h / 2, value, baseline="central",
                          fill=TEXT if whole else MUTED))
        body.append("</g>")
        y = bar_y + bar_h + (6 if label_above else 4)
    axis_top = head + (18 if label_above else 0)
    body.append(f'<line x1="{label_w - 0.5:.1f}" y1="{axis_top:.1f}" x2="{label_w - 0.5:.1f}" '
                f'y2="{y - 4:.1f}" stroke="{MUTED}" stroke-width="1"/>')
    return _svg(width, y + 4, title, desc, body, css_class)


def line_chart(points: list[tuple[str, float | None]], *, title: str, unit: str = "",
               label: str = "", compare: list[tuple[str, float | None]] | None = None,
               compare_label: str = "", desc: str | None = None,
               empty_message: str = "Nothing recorded in this period.", show_title: bool = True,
               css_class: str = "chart", width: int = WIDTH, columns: bool = False) -> SafeString:
    """A trend over time (weekly counts). ``compare`` is an optional second series over the same
    steps (the previous period, or the school), drawn dashed in another colour and named in a
    legend. A ``None`` value is a gap in the line (no data that week), not a zero.
    ``columns`` draws the main series as a column per step instead of a line (counts of rare
    events, where a line would zigzag between 0 and 1)."""
    compare = compare or []
    _check(v for _, v in points)
    _check(v for _, v in compare)
    if not points:
        return _empty(title, empty_message, css_class, show_title, width)
    if compare and len(compare) != len(points):
        raise ValueError("the comparison series needs one value per point")
    series = [(label or title, points, BAR, None)]
    if compare:
        series.append((compare_label or "Comparison", compare, COMPARE, "6 4"))
    if desc is None:
        desc = f"{title}. " + "; ".join(
            f"{name}: " + ", ".join(f"{lab} {fmt(v, unit)}" for lab, v in pts) for name, pts, _, _ in series) + "."

    height = 280
    head = 32 if show_title else 6
    left, right, bottom = 48, 30, 40  # right: room for the last date label, centred on its point
    # legend entries side by side from the plot's left edge, wrapping onto a new line when too wide
    keys, x, row = [], left, 0
    for name, _, colour, dash in series if compare else []:
        w = 32 + 7.2 * len(name)
        if keys and x + w > width:
            x, row = left, row + 1
        keys.append((x, head + 10 + 18 * row, name, colour, dash))
        x += w + 16
    legend = 22 + 18 * row if compare else 0
    height += 18 * row
    top_y, base = head + legend + 16, height - bottom  # room for the top value's label
    values = [v for _, pts, _, _ in series for _, v in pts if v is not None]
    ymax, step = _nice_max(max(values, default=0))
    plot_w = width - left - right
    n = len(points)

    def x_at(i):
        if columns:  # each column centred in its own slot
            return left + plot_w * (i + 0.5) / n
        return left + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y_at(v):
        return base - (base - top_y) * v / ymax

    body = [_text(0, 18, title, size=15, weight="bold")] if show_title else []
    ticks = int(round(ymax / step))
    for k in range(ticks + 1):
        v = step * k
        y = y_at(v)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                    f'stroke="{GRID if k else MUTED}" stroke-width="1"/>')
        body.append(_text(left - 6, y, fmt(v), size=11, anchor="end", fill=MUTED, baseline="central"))
    if unit:
        body.append(_text(0, top_y - 8, unit, size=11, fill=MUTED))
    every = max(1, math.ceil(n / max(2, plot_w // 64)))  # date labels ~60 units wide must not collide
    for i, (lab, _) in enumerate(points):
        if i % every == 0 or i == n - 1 and (n - 1) % every == 0:
            body.append(_text(x_at(i), base + 18, _clip(lab, 10), size=11, anchor="middle", fill=MUTED))

    for s, (name, pts, colour, dash) in enumerate(series):
        if s == 0 and columns:
            bar_w = min(plot_w / n * 0.7, 28)
            for i, (lab, v) in enumerate(pts):
                if v:
                    body.append(f'<g><title>{escape(lab)}: {escape(fmt(v, unit))}</title>'
                                f'<rect x="{x_at(i) - bar_w / 2:.1f}" y="{y_at(v):.1f}" width="{bar_w:.1f}" '
                                f'height="{max(base - y_at(v), 1.5):.1f}" fill="{colour}"/></g>')
            if n <= plot_w // 45:
                for i, (_, v) in enumerate(pts):
                    if v is not None:
                        body.append(_text(x_at(i), y_at(v) - 6, fmt(v), size=11, anchor="middle"))
            continue
        segments, current = [], []
        for i, (_, v) in enumerate(pts):
            if v is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append((x_at(i), y_at(v)))
        if current:
            segments.append(current)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for seg in segments:
            if len(seg) > 1:
                coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
                body.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.5"'
                            f' stroke-linejoin="round"{dash_attr}/>')
        for i, (lab, v) in enumerate(pts):
            if v is None:
                continue
            marker = (f'<circle cx="{x_at(i):.1f}" cy="{y_at(v):.1f}" r="3.5" fill="{colour}"/>' if s == 0 else
                      f'<rect x="{x_at(i) - 3:.1f}" y="{y_at(v) - 3:.1f}" width="6" height="6" fill="{colour}"/>')
            body.append(f"<g><title>{escape(lab)}: {escape(fmt(v, unit))}</title>{marker}</g>")
        if n <= plot_w // 45 and s == 0:  # few points: print each value so a printed page needs no tooltip
            for i, (_, v) in enumerate(pts):
                if v is not None:
                    body.append(_text(x_at(i), y_at(v) - 9, fmt(v), size=11, anchor="middle"))
    for s, (x, y, name, colour, dash) in enumerate(keys):
        if s == 0 and columns:
            body.append(f'<rect x="{x + 6}" y="{y - 6}" width="14" height="12" fill="{colour}"/>')
        else:
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            body.append(f'<line x1="{x}" y1="{y}" x2="{x + 26}" y2="{y}" stroke="{colour}" '
                        f'stroke-width="2.5"{dash_attr}/>')
        body.append(_text(x + 32, y, name, size=12, baseline="central"))
    return _svg(width, height, title, desc, body, css_class)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def heat_colour(value: float, top: float) -> str:
    """The fill for a cell: white for zero, else one of five steps by share of the largest cell."""
    if not value or not top:
        return ZERO
    return HEAT[min(len(HEAT) - 1, math.ceil(len(HEAT) * value / top) - 1)]


def ink_on(fill: str) -> str:
    """Black or white text, whichever reads better on ``fill``."""
    return "#000000" if contrast(fill, "#000000") >= contrast(fill, "#ffffff") else "#ffffff"


def heatmap(row_labels: list[str], col_labels: list[str], values: list[list[float]], *, title: str,
            unit: str = "", desc: str | None = None, empty_message: str = "Nothing recorded in this period.",
            show_title: bool = True, css_class: str = "chart", width: int = WIDTH,
            transpose: bool = False, upright_columns: bool | None = None) -> SafeString:
    """A grid (weekday × period of the school day) shaded by count, the count printed in each cell.
    ``transpose`` draws the rows as columns (on a phone: five weekdays across, the periods down), and
    the description still reads row by row as given. ``upright_columns`` turns the column labels to
    read upwards, so narrow columns keep whole words; by default only on a narrow chart (under 480
    units) whose column labels would be clipped across two lines. A long row label takes two lines."""
    if len(values) != len(row_labels) or any(len(r) != len(col_labels) for r in values):
        raise ValueError("values must have one row per row label and one value per column label")
    flat = [v for r in values for v in r]
    _check(flat)
    if not row_labels or not col_labels or not any(flat):
        return _empty(title, empty_message, css_class, show_title, width)
    if desc is None:
        desc = f"{title}. " + "; ".join(
            f"{row}: " + ", ".join(f"{col} {fmt(v, unit)}" for col, v in zip(col_labels, r) if v)
            for row, r in zip(row_labels, values) if any(r)) + ". Other cells are zero."
    if transpose:
        row_labels, col_labels, values = col_labels, row_labels, [list(c) for c in zip(*values)]
    top = max(v or 0 for v in flat)
    head = 32 if show_title else 6
    label_w = min(max(7.4 * max(len(str(r)) for r in row_labels) + 12, 48), 160, max(width * 0.4, 48))
    row_chars = min(20, int((label_w - 12) / 7.4))
    cell_w = (width - label_w) / len(col_labels)
    cell_h = 32
    col_chars = max(int(cell_w / 6.6), 2)
    lines = [_wrap(str(col), col_chars) for col in col_labels]
    if upright_columns is None:
        upright_columns = width < 480 and any(" ".join(ls) != str(col) for col, ls in zip(col_labels, lines))
    body = [_text(0, 18, title, size=15, weight="bold")] if show_title else []
    if upright_columns:  # one line each, read upwards from just above its column
        lines = [[_clip(str(col), 18)] for col in col_labels]
        grid_top = head + 14 + 6.6 * max(len(ls[0]) for ls in lines)
    else:
        grid_top = head + 10 + 14 * max(len(ls) for ls in lines)
    for j, (col, ls) in enumerate(zip(col_labels, lines)):
        tip = f"<title>{escape(col)}</title>" if " ".join(ls) != str(col) else ""
        x = label_w + (j + 0.5) * cell_w
        if upright_columns:
            y = grid_top - 6
            texts = (f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" text-anchor="start" fill="{TEXT}" '
                     f'dominant-baseline="central" transform="rotate(-90 {x:.1f} {y:.1f})">{escape(ls[0])}</text>')
        else:
            texts = "".join(_text(x, grid_top - 8 - 14 * (len(ls) - 1 - k), line, size=11, anchor="middle")
                            for k, line in enumerate(ls))
        body.append(f"<g>{tip}{texts}</g>")
    for i, (row, cells) in enumerate(zip(row_labels, values)):
        y = grid_top + i * cell_h
        shown = _wrap(str(row), row_chars)
        tip = f"<title>{escape(row)}</title>" if " ".join(shown) != str(row) else ""
        body.append(f"<g>{tip}" + "".join(
            _text(label_w - 8, y + cell_h / 2 + 13 * (k - (len(shown) - 1) / 2), line, size=12 if len(shown) == 1
                  else 11, anchor="end", baseline="central") for k, line in enumerate(shown)) + "</g>")
        for j, v in enumerate(cells):
            fill = heat_colour(v, top)
            x = label_w + j * cell_w
            body.append(f'<g><title>{escape(row)}, {escape(col_labels[j])}: {escape(fmt(v or 0, unit))}</title>'
                        f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell_w:.1f}" height="{cell_h}" fill="{fill}" '
                        f'stroke="{GRID}" stroke-width="1"/>'
                        + _text(x + cell_w / 2, y + cell_h / 2, fmt(v or 0), size=12, anchor="middle",
                                baseline="central", fill=ink_on(fill) if v else MUTED,
                                weight="bold" if v else None)
                        + "</g>")
    # legend: white for none, then the five steps up to the largest cell
    ly = grid_top + len(row_labels) * cell_h + 14
    more = f"More (largest: {fmt(top, unit)})"
    x0 = label_w if label_w + 210 + 6.6 * len(more) <= width else 0  # a narrow chart starts it at the edge
    body.append(_text(x0, ly + 9, "Fewer", size=11, fill=MUTED, baseline="central"))
    lx = x0 + 44
    for k, colour in enumerate([ZERO] + HEAT):
        body.append(f'<rect x="{lx + k * 26:.1f}" y="{ly}" width="24" height="18" fill="{colour}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
    body.append(_text(lx + 6 * 26 + 6, ly + 9, more, size=11, fill=MUTED,
                      baseline="central"))
    return _svg(width, ly + 24, title, desc, body, css_class)


def ratings_over_time(series: list[tuple[str, list[tuple[datetime.date, int]]]], levels: list[str], *,
                      start: datetime.date, end: datetime.date, title: str, desc: str | None = None,
                      empty_message: str = "No ratings recorded in this period.", show_title: bool = True,
                      css_class: str = "chart", width: int = WIDTH) -> SafeString:
    """Each outcome's ratings over time, one small panel per outcome: the outcome's words, then its
    ratings as points on the scale (``levels``, lowest first; a rating is its index) at their dates
    between ``start`` and ``end``, joined as steps (a rating holds until the next one)."""
    series = [(str(name), sorted(points)) for name, points in series if points]
    if any(not 0 <= level < len(levels) for _, pts in series for _, level in pts):
        raise ValueError("a rating must be an index into levels")
    if not series:
        return _empty(title, empty_message, css_class, show_title, width)
    if desc is None:
        desc = f"{title}. " + " ".join(
            f"{name}: " + ", ".join(f"{d:%-d %b %Y} {levels[level]}" for d, level in pts) + "."
            for name, pts in series)
    head = 32 if show_title else 4
    body = [_text(0, 18, title, size=15, weight="bold")] if show_title else []
    label_w = 6.4 * max(len(lv) for lv in levels) + 10
    left, right = label_w, 12
    plot_w = width - left - right
    step, days = 14, max((end - start).days, 1)
    plot_h = step * (len(levels) - 1)

    def x_at(day):
        return left + plot_w * min(max((day - start).days, 0), days) / days

    months, day = [], start.replace(day=1)
    while day <= end:
        if day >= start:
            months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    every = max(1, math.ceil(len(months) / max(1, plot_w // 44)))  # "Sep" labels ~30 units wide

    y = head
    chars = int(width / 7.6)
    for name, pts in series:
        lines = _wrap(name, chars)
        tip = f"<title>{escape(name)}</title>" if " ".join(lines) != name else ""
        body.append(f"<g>{tip}" + "".join(_text(0, y + 14 + 16 * k, line, size=13)
                                          for k, line in enumerate(lines)) + "</g>")
        top = y + 16 * len(lines) + 12
        base = top + plot_h
        for k, level in enumerate(levels):
            ly = base - step * k
            body.append(f'<line x1="{left:.1f}" y1="{ly:.1f}" x2="{width - right:.1f}" y2="{ly:.1f}" '
                        f'stroke="{GRID}" stroke-width="1"/>')
            body.append(_text(left - 6, ly, level, size=10, anchor="end", fill=MUTED, baseline="central"))
        for m in months:
            mx = x_at(m)
            body.append(f'<line x1="{mx:.1f}" y1="{top - 4:.1f}" x2="{mx:.1f}" y2="{base + 4:.1f}" '
                        f'stroke="{GRID}" stroke-width="1"/>')
        coords, held = [], None
        for d, level in pts:
            px, py = x_at(d), base - step * level
            if held is not None:
                coords.append(f"{px:.1f},{held:.1f}")  # the rating held until this one
            coords.append(f"{px:.1f},{py:.1f}")
            held = py
        if len(coords) > 1:
            body.append(f'<polyline points="{" ".join(coords)}" fill="none" stroke="{BAR}" stroke-width="2.5" '
                        f'stroke-linejoin="round"/>')
        for d, level in pts:
            body.append(f'<g><title>{d:%-d %b %Y}: {escape(levels[level])}</title>'
                        f'<circle cx="{x_at(d):.1f}" cy="{base - step * level:.1f}" r="4" fill="{BAR}"/></g>')
        y = base + 14
    for i, m in enumerate(months):
        if i % every == 0:
            body.append(_text(x_at(m), y + 8, f"{m:%b}", size=11, anchor="middle" if x_at(m) > left + 14 else "start",
                              fill=MUTED))
    return _svg(width, y + 14, title, desc, body, css_class)


def responsive(draw, *args, phone: dict | None = None, phone_width: int = 360, **kwargs) -> SafeString:
    """The same chart drawn twice: at ``width`` (default 640) for a laptop or paper, and at
    ``phone_width`` with ``phone``'s options (``transpose=True`` for a heatmap) for a narrow
    container. Classes ``chart-wide`` and ``chart-narrow`` let the page's CSS (a container query)
    show one, so text stays legible at both sizes without sideways scrolling."""
    wide = draw(*args, css_class="chart chart-wide", **kwargs)
    narrow = draw(*args, css_class="chart chart-narrow", **{**kwargs, "width": phone_width, **(phone or {})})
    return mark_safe(wide + narrow)
