"""The inline SVG charts: well-formed, accessible, escaped, CSP-safe, scaled to the data."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.utils.safestring import SafeString

from sendsupport.charts import (
    BAR, COMPARE, HEAT, ZERO, bar_chart, contrast, fmt, heat_colour, heatmap, ink_on, line_chart,
)

from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, browser_context_args, browser_type_launch_args, open_page, page, viewport,
)

NS = "{http://www.w3.org/2000/svg}"
SHOTS = Path("/tmp/shots/secb")


def parse(svg):
    return ET.fromstring(str(svg))


def texts(root):
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def bars(root):
    return [el for el in root.iter(f"{NS}rect")]


def assert_accessible(svg):
    """role=img, named by its own <title> and <desc>, sized by viewBox, and no style attributes."""
    assert isinstance(svg, SafeString)
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox"))
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert not any("style" in el.attrib for el in root.iter())
    assert "<style" not in str(svg) and "<script" not in str(svg)
    return root


CHARTS = [
    lambda: bar_chart([("Transitions", 4), ("Demands", 2)], title="Antecedents"),
    lambda: bar_chart([("Mon", 4), ("Tue", 0)], title="Days", horizontal=False),
    lambda: line_chart([("1 Sep", 1), ("8 Sep", 3)], title="Weekly", compare=[("1 Sep", 2), ("8 Sep", 0)]),
    lambda: heatmap(["Mon", "Tue"], ["P1", "P2"], [[1, 0], [0, 3]], title="Hotspots"),
]


CHARTS_AT = [
    lambda width: bar_chart([("Asked to stop a preferred activity", 4), ("Noise or crowding", 2)], title="Antecedents",
                            width=width),
    lambda width: bar_chart([("Mon", 4), ("Tue", 0), ("Wed", 1), ("Thu", 2), ("Fri", 3)], title="Days",
                            horizontal=False, width=width),
    lambda width: line_chart([(f"{d} Sep", d % 4) for d in range(1, 29, 2)], title="Weekly", width=width,
                             label="This period", compare=[(f"{d} Sep", d % 3) for d in range(1, 29, 2)],
                             compare_label="Previous period"),
    lambda width: heatmap(["Mon", "Tue", "Wed", "Thu", "Fri"],
                          ["Before school", "P1", "P2", "Break", "P3", "Lunch", "P4"],
                          [[k * j % 4 for j in range(7)] for k in range(5)], title="Hotspots", width=width),
]


@pytest.mark.parametrize("width", [340, 640, 900])
@pytest.mark.parametrize("make", CHARTS_AT)
def test_charts_take_their_width_from_the_caller(make, width):
    root = assert_accessible(make(width))
    assert root.get("viewBox").split()[2] == str(width)
    right = max(float(el.get("x", 0)) + float(el.get("width", 0)) for el in root.iter(f"{NS}rect"))
    assert right <= width  # nothing drawn past the edge
    # nor text that starts so near the edge it must run off (about 6.6 units a character at size 11)
    for t in root.iter(f"{NS}text"):
        if t.get("text-anchor") == "start":
            assert float(t.get("x")) + 6.6 * int(t.get("font-size")) / 11 * len("".join(t.itertext())) <= width + 8


@pytest.mark.parametrize("make", CHARTS)
def test_every_chart_is_an_accessible_csp_safe_svg(make):
    assert_accessible(make())


def test_ids_differ_between_charts_on_one_page():
    a, b = parse(CHARTS[0]()), parse(CHARTS[0]())
    assert a.find(f"{NS}title").get("id") != b.find(f"{NS}title").get("id")


@pytest.mark.parametrize("make", [
    lambda s: bar_chart([(s, 1)], title=s, unit=s),
    lambda s: bar_chart([(s, 1)], title=s, horizontal=False),
    lambda s: line_chart([(s, 1), ("b", 2)], title=s, label=s, compare=[(s, 1), ("b", 0)], compare_label=s),
    lambda s: heatmap([s], [s], [[2]], title=s),
])
def test_labels_and_titles_are_escaped(make):
    nasty = '<script>alert("x")</script> & Co'
    svg = make(nasty)
    assert "<script>" not in svg
    root = assert_accessible(svg)  # parses, so nothing broke out of its element
    assert nasty in root.find(f"{NS}title").text
    assert nasty in root.find(f"{NS}desc").text


@pytest.mark.parametrize("make,message", [
    (lambda: bar_chart([], title="Antecedents"), "Nothing recorded in this period."),
    (lambda: line_chart([], title="Weekly", empty_message="No incidents."), "No incidents."),
    (lambda: heatmap([], [], [], title="Hotspots"), "Nothing recorded in this period."),
    (lambda: heatmap(["Mon"], ["P1", "P2"], [[0, 0]], title="Hotspots"), "Nothing recorded in this period."),
])
def test_empty_data_says_so_in_words(make, message):
    root = assert_accessible(make())
    assert message in texts(root)
    assert root.find(f"{NS}desc").text == message
    assert not bars(root) and root.find(f".//{NS}polyline") is None


def test_horizontal_bars_scale_to_the_largest_value():
    root = parse(bar_chart([("a", 10), ("b", 5), ("c", 0)], title="T"))
    rects = bars(root)
    assert len(rects) == 2  # a zero draws no bar, only its value
    assert float(rects[0].get("width")) == pytest.approx(2 * float(rects[1].get("width")))
    assert {"10", "5", "0"} <= set(texts(root))
    assert all(r.get("fill") == BAR for r in rects)


def test_vertical_bars_scale_to_the_largest_value():
    root = parse(bar_chart([("a", 3), ("b", 6)], title="T", horizontal=False))
    a, b = bars(root)
    assert float(b.get("height")) == pytest.approx(2 * float(a.get("height")))
    assert float(a.get("y")) + float(a.get("height")) == pytest.approx(float(b.get("y")) + float(b.get("height")))


def test_all_zero_bars_draw_nothing_but_print_zeros():
    root = parse(bar_chart([("a", 0), ("b", 0)], title="T"))
    assert not bars(root)
    assert texts(root).count("0") == 2


def test_bar_values_carry_the_unit_and_long_labels_are_clipped_with_the_full_label_kept():
    long = "Asked to stop a preferred activity and move to a new one"
    root = parse(bar_chart([(long, 12.5)], title="T", unit="min", max_label_chars=20))
    assert "12.5 min" in texts(root)
    shown = [t for t in texts(root) if t.endswith("…")]
    assert shown and len(shown[0]) == 20
    assert any(el.text == long for el in root.iter(f"{NS}title"))  # tooltip has it whole
    assert long in root.find(f"{NS}desc").text  # and so does the screen reader


def test_description_reads_out_the_figures():
    root = parse(bar_chart([("Transitions", 4), ("Demands", 2)], title="Antecedents"))
    assert root.find(f"{NS}desc").text == "Antecedents. Transitions: 4; Demands: 2."


def test_negative_or_non_numbers_are_refused():
    with pytest.raises(ValueError):
        bar_chart([("a", -1)], title="T")
    with pytest.raises(ValueError):
        line_chart([("a", "3")], title="T")


def test_line_points_scale_on_a_rounded_axis():
    root = parse(line_chart([("w1", 0), ("w2", 7), ("w3", 3)], title="Weekly"))
    (line,) = root.iter(f"{NS}polyline")
    pts = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    assert [x for x, _ in pts] == sorted(x for x, _ in pts)
    ys = [y for _, y in pts]
    assert ys[1] < ys[2] < ys[0]  # higher value, higher on the page
    # axis top is 8 (a 2-step above 7): gridlines 0,2,4,6,8
    assert [t for t in texts(root) if t.isdigit() and t in {"0", "2", "4", "6", "8"}][:5] == ["0", "2", "4", "6", "8"]
    base, top8 = ys[0], None
    grid = {float(l.get("y1")) for l in root.iter(f"{NS}line")}
    top8 = min(grid)
    assert (base - ys[1]) / (base - top8) == pytest.approx(7 / 8)


def test_line_with_comparison_draws_a_dashed_second_series_and_a_legend():
    root = parse(line_chart([("w1", 1), ("w2", 2)], title="Weekly", label="This period",
                            compare=[("w1", 3), ("w2", 4)], compare_label="Previous period"))
    lines = list(root.iter(f"{NS}polyline"))
    assert [l.get("stroke") for l in lines] == [BAR, COMPARE]
    assert lines[1].get("stroke-dasharray") and not lines[0].get("stroke-dasharray")
    assert {"This period", "Previous period"} <= set(texts(root))
    assert "Previous period: w1 3, w2 4" in root.find(f"{NS}desc").text


def test_line_comparison_must_match_in_length():
    with pytest.raises(ValueError):
        line_chart([("w1", 1), ("w2", 2)], title="T", compare=[("w1", 1)])


def test_a_gap_in_the_line_is_not_drawn_as_zero():
    root = parse(line_chart([("w1", 1), ("w2", 2), ("w3", None), ("w4", 2), ("w5", 1)], title="T"))
    assert len(list(root.iter(f"{NS}polyline"))) == 2
    assert len(list(root.iter(f"{NS}circle"))) == 4


def test_single_point_and_all_zero_lines_render():
    assert_accessible(line_chart([("w1", 0)], title="T"))
    root = parse(line_chart([("w1", 0), ("w2", 0)], title="T"))
    assert "0" in texts(root)


def test_many_weeks_thin_out_the_axis_labels():
    points = [(f"w{i}", i) for i in range(40)]
    root = parse(line_chart(points, title="T"))
    assert len([t for t in texts(root) if t.startswith("w")]) <= 11


def test_heatmap_prints_every_count_and_shades_by_share_of_the_largest():
    root = parse(heatmap(["Mon", "Tue"], ["P1", "P2", "Lunch"], [[0, 1, 5], [2, 0, 10]], title="Hotspots"))
    cells = [g for g in root.iter(f"{NS}g") if g.find(f"{NS}rect") is not None]
    assert len(cells) == 6
    fills = {g.find(f"{NS}title").text: g.find(f"{NS}rect").get("fill") for g in cells}
    assert fills["Mon, P1: 0"] == ZERO
    assert fills["Tue, Lunch: 10"] == HEAT[-1]
    assert fills["Mon, Lunch: 5"] == HEAT[2]  # half the largest: the middle step
    assert fills["Mon, P2: 1"] == HEAT[0]
    printed = ["".join(g.find(f"{NS}text").itertext()) for g in cells]
    assert printed == ["0", "1", "5", "2", "0", "10"]


def test_heatmap_text_meets_contrast_on_every_step():
    for fill in HEAT + [ZERO]:
        assert contrast(fill, ink_on(fill)) >= 4.5
    assert heat_colour(1, 1) == HEAT[-1] and heat_colour(0, 5) == ZERO


def test_heatmap_shape_is_checked():
    with pytest.raises(ValueError):
        heatmap(["Mon"], ["P1", "P2"], [[1]], title="T")


def test_colours_meet_wcag_on_white():
    assert contrast(BAR, "#ffffff") >= 4.5
    assert contrast(COMPARE, "#ffffff") >= 4.5


def test_fmt():
    assert [fmt(12), fmt(12.0), fmt(3.456), fmt(1234), fmt(5, "min"), fmt(None)] == [
        "12", "12", "3.5", "1,234", "5 min", "–"]


def test_weasyprint_renders_every_chart():
    from weasyprint import HTML

    html = "<html><body>" + "".join(f"<div>{make()}</div>" for make in CHARTS) + "</body></html>"
    pdf = HTML(string=html).write_pdf()
    assert pdf.startswith(b"%PDF")


@pytest.mark.browser
# pytest-playwright's own base_url fixture trips a pytest 9 deprecation: not ours.
@pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods are deprecated")
@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_charts_in_a_browser_under_a_strict_csp(page, viewport):
    """No CSP violation (the harness fails the test on any console error), axe finds nothing
    serious, and each chart fills its container's width at phone and laptop sizes."""
    width = 340 if viewport == "phone" else 640  # a phone card gets a narrow chart, so its text stays legible
    charts = "".join(f"<figure>{make(width=width)}</figure>" for make in CHARTS_AT)
    charts += str(bar_chart([], title="Nothing"))
    page.set_content(
        "<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'><title>Charts</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'none'\">"
        f"</head><body><main><h1>Charts</h1>{charts}</main></body></html>")
    check_a11y(page)
    widths = page.eval_on_selector_all(
        "figure", "els => els.map(e => [e.clientWidth, e.querySelector('svg').getBoundingClientRect().width])")
    assert all(abs(fig - svg) < 1 for fig, svg in widths)
    if viewport == "phone":  # 13-unit labels render at 10px or more
        assert all(svg / width * 13 >= 10 for _, svg in widths), widths
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"charts--{page.viewport_size['width']}px.png"), full_page=True)
