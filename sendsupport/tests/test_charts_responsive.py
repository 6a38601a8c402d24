"""Charts for a phone as well as a laptop and paper: the phone drawing, labels over their bars, a
part of a whole, ratings over time, weekly columns, and a legend that wraps."""

import datetime

import pytest
from django.utils.safestring import mark_safe

from sendsupport.charts import (
    BAR, WHOLE, bar_chart, heatmap, line_chart, part_bar_chart, ratings_over_time, responsive,
)

from .test_charts import NS, assert_accessible, parse, texts

LEVELS = ["Not yet started", "Emerging", "Developing", "Secure", "Achieved"]
PAIRS = [("Change of activity or routine → Hitting, kicking or biting", 7), ("Peer conflict → Refusal", 3)]


def rects(root):
    return list(root.iter(f"{NS}rect"))


def right_edge(root):
    """The furthest right anything is drawn: rects by their box, left-anchored text by ~7 units a character."""
    edges = [float(r.get("x")) + float(r.get("width")) for r in rects(root)]
    edges += [float(t.get("x")) + 7.4 * float(t.get("font-size")) / 13 * len("".join(t.itertext()))
              for t in root.iter(f"{NS}text") if t.get("text-anchor") == "start" and t.get("transform") is None]
    return max(edges)


def test_responsive_draws_the_chart_for_a_wide_container_and_for_a_phone():
    both = str(responsive(bar_chart, PAIRS, title="ABC"))
    wide, narrow = both.split("</svg>")[:2]
    wide, narrow = parse(wide + "</svg>"), parse(narrow + "</svg>")
    assert wide.get("class") == "chart chart-wide" and wide.get("viewBox").split()[2] == "640"
    assert narrow.get("class") == "chart chart-narrow" and narrow.get("viewBox").split()[2] == "360"
    assert wide.find(f"{NS}title").get("id") != narrow.find(f"{NS}title").get("id")
    for part in both.split("</svg>")[:2]:  # each is a whole chart, named and described
        assert_accessible(mark_safe(part + "</svg>"))


def test_responsive_passes_phone_options_to_the_phone_drawing_only():
    both = str(responsive(heatmap, ["Mon", "Tue"], ["Morning", "Lunch", "Afternoon"], [[1, 2, 3], [4, 5, 6]],
                          title="When", phone={"transpose": True}, show_title=False))
    wide, narrow = (parse(part + "</svg>") for part in both.split("</svg>")[:2])
    # wide: days down the side; phone: the periods down the side, days across
    assert texts(wide)[:3] == ["Morning", "Lunch", "Afternoon"]
    assert texts(narrow)[:2] == ["Mon", "Tue"]
    assert "Morning" in texts(narrow) and "Tue, Lunch: 5" not in {t.text for t in narrow.iter(f"{NS}title")}
    assert "Lunch, Tue: 5" in {t.text for t in narrow.iter(f"{NS}title")}
    # the description reads the same data the same way in both
    assert wide.find(f"{NS}desc").text == narrow.find(f"{NS}desc").text


def test_a_narrow_bar_chart_puts_long_labels_whole_over_their_bars():
    root = assert_accessible(bar_chart(PAIRS, title="ABC", width=360))
    *label_lines, value = ["".join(t.itertext()) for t in root.find(f"{NS}g").iter(f"{NS}text")]
    assert len(label_lines) == 2 and " ".join(label_lines) == PAIRS[0][0] and value == "7"  # whole, on two lines
    assert right_edge(root) <= 360
    label, bar = root.find(f"{NS}g/{NS}text"), root.find(f"{NS}g/{NS}rect")
    assert float(label.get("y")) < float(bar.get("y"))  # the label is above its bar
    # short labels still sit beside the bars, and a wide chart keeps them beside unless asked
    beside = parse(bar_chart([("Hall", 3), ("Field", 1)], title="Places", width=360))
    assert float(beside.find(f"{NS}g/{NS}rect").get("x")) > 0
    wide = parse(bar_chart(PAIRS, title="ABC"))
    assert PAIRS[0][0] not in texts(wide)  # clipped beside its bar (the tooltip and the table have it)
    assert PAIRS[0][0] in texts(parse(bar_chart(PAIRS, title="ABC", label_above=True)))


def test_bars_under_labels_still_scale_to_the_largest_value():
    root = parse(bar_chart([("a" * 40, 10), ("b" * 40, 5), ("c" * 40, 0)], title="T", width=360))
    a, b = rects(root)
    assert float(a.get("width")) == pytest.approx(2 * float(b.get("width")))
    assert {"10", "5", "0"} <= set(texts(root))


STRATEGIES = [("Call the SENCo or on-call leader", 10, 14), ("Reassurance", 1, 3), ("Offered choices", 0, 1)]


@pytest.mark.parametrize("width", [360, 640])
def test_part_of_a_whole_draws_both_bars_says_both_numbers_and_names_them(width):
    root = assert_accessible(part_bar_chart(STRATEGIES, title="Strategies", part_label="De-escalated",
                                            whole_label="Used", width=width))
    assert {"De-escalated", "Used", "10 of 14", "1 of 3", "0 of 1"} <= set(texts(root))
    bars = [r for r in rects(root)][2:]  # after the legend's two swatches
    wholes = [float(r.get("width")) for r in bars if r.get("fill") == WHOLE]
    parts = [float(r.get("width")) for r in bars if r.get("fill") == BAR]
    assert len(wholes) == 3 and len(parts) == 2  # a part of 0 draws no solid bar
    assert wholes == sorted(wholes, reverse=True)  # in the callers' order: by times used
    assert parts[0] == pytest.approx(wholes[0] * 10 / 14, abs=1.5)
    assert right_edge(root) <= width + 2
    assert root.find(f"{NS}desc").text == (
        "Strategies. Call the SENCo or on-call leader: Used 14, De-escalated 10; Reassurance: Used 3, "
        "De-escalated 1; Offered choices: Used 1, De-escalated 0.")


def test_a_part_larger_than_its_whole_is_refused():
    with pytest.raises(ValueError):
        part_bar_chart([("x", 3, 2)], title="T", part_label="p", whole_label="w")


def test_ratings_over_time_places_each_rating_by_its_date_and_level():
    start, end = datetime.date(2026, 9, 1), datetime.date(2026, 11, 30)
    series = [("Will use number facts to 20 to solve problems.",
               [(datetime.date(2026, 9, 1), 1), (datetime.date(2026, 10, 16), 2), (datetime.date(2026, 11, 30), 4)]),
              ("Nothing yet", [])]
    root = assert_accessible(ratings_over_time(series, LEVELS, start=start, end=end, title="Progress"))
    dots = list(root.iter(f"{NS}circle"))
    assert len(dots) == 3  # the outcome with no ratings is left out
    xs, ys = [float(c.get("cx")) for c in dots], [float(c.get("cy")) for c in dots]
    assert xs[1] - xs[0] == pytest.approx((xs[2] - xs[0]) * 45 / 90, abs=0.2)  # 16 Oct: day 45 of 90
    assert ys[0] > ys[1] > ys[2]  # higher rating, higher on the page
    assert (ys[0] - ys[1]) * 2 == pytest.approx(ys[1] - ys[2])  # one level, then two
    assert {"Sep", "Oct", "Nov"} <= set(texts(root)) and set(LEVELS) <= set(texts(root))
    (line,) = root.iter(f"{NS}polyline")
    assert len(line.get("points").split()) == 5  # steps: the rating holds until the next one
    assert root.find(f"{NS}desc").text == ("Progress. Will use number facts to 20 to solve problems.: "
                                           "1 Sep 2026 Emerging, 16 Oct 2026 Developing, 30 Nov 2026 Achieved.")
    empty = parse(ratings_over_time([("x", [])], LEVELS, start=start, end=end, title="Progress"))
    assert "No ratings recorded in this period." in texts(empty)
    with pytest.raises(ValueError):
        ratings_over_time([("x", [(start, 5)])], LEVELS, start=start, end=end, title="Progress")


def test_weekly_columns_draw_a_bar_for_each_count_and_nothing_for_zero_or_a_gap():
    points = [("31 Aug", 1), ("7 Sep", 0), ("14 Sep", None), ("21 Sep", 4)]
    root = assert_accessible(line_chart(points, title="Physical interventions", columns=True))
    bars = rects(root)
    assert len(bars) == 2 and root.find(f".//{NS}polyline") is None
    assert float(bars[1].get("height")) == pytest.approx(4 * float(bars[0].get("height")), rel=0.01)
    assert right_edge(root) <= 640


def test_a_long_legend_wraps_on_a_narrow_chart():
    points = [(f"{d} Sep", d % 5) for d in range(1, 29, 7)]
    root = parse(line_chart(points, title="Weekly", label="This period", compare=points, width=360,
                            compare_label="Previous period (same school days)"))
    legend = [t for t in root.iter(f"{NS}text") if "".join(t.itertext()) in
              {"This period", "Previous period (same school days)"}]
    assert len({t.get("y") for t in legend}) == 2  # two lines
    assert right_edge(root) <= 360


def test_a_narrow_heatmap_turns_long_column_labels_upright_and_wraps_long_row_labels():
    areas = ["Communication and interaction", "Social, emotional and mental health"]
    root = assert_accessible(heatmap(areas, LEVELS + ["No evidence yet"], [[1, 2, 3, 4, 5, 0], [0, 1, 0, 2, 0, 1]],
                                     title="Outcomes", width=360))
    upright = [t for t in root.iter(f"{NS}text") if t.get("transform")]
    assert ["".join(t.itertext()) for t in upright] == LEVELS + ["No evidence yet"]  # whole words
    assert {"Communication and", "interaction"} <= set(texts(root))
    # a wide one keeps its labels level, as before
    assert not [t for t in parse(heatmap(areas, LEVELS, [[1] * 5, [2] * 5], title="O")).iter(f"{NS}text")
                if t.get("transform")]
