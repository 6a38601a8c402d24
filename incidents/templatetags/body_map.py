"""The body map's drawing: shapes for a front and a back view, each filled when its region is marked."""

from django import template

from ..models import BodyRegion

register = template.Library()

MARKED, CLEAR = "#c62828", "#ffffff"

# (region codes that fill the shape, kind, geometry) on a 100 x 190 figure. The front view is drawn
# facing the reader, so the pupil's right side is on the reader's left; the back view the reverse.
_HEAD = ("circle", {"cx": 50, "cy": 20, "r": 15})
_NECK = ("rect", {"x": 44, "y": 35, "width": 12, "height": 8, "rx": 2})
_TORSO_TOP = ("rect", {"x": 30, "y": 43, "width": 40, "height": 32, "rx": 4})
_TORSO_BOTTOM = ("rect", {"x": 32, "y": 75, "width": 36, "height": 30, "rx": 4})


def _limbs(near: str, far: str):
    """Arms, hands, legs and feet: `near` is the side drawn on the reader's left."""
    shapes = []
    for side, arm_x, leg_x, foot_x in ((near, 16, 33, 31), (far, 72, 52, 52)):
        shapes += [
            ({f"{side}_arm"}, "rect", {"x": arm_x, "y": 45, "width": 12, "height": 52, "rx": 5}),
            ({f"{side}_hand"}, "rect", {"x": arm_x, "y": 99, "width": 12, "height": 14, "rx": 4}),
            ({f"{side}_leg"}, "rect", {"x": leg_x, "y": 107, "width": 15, "height": 65, "rx": 5}),
            ({f"{side}_foot"}, "rect", {"x": foot_x, "y": 174, "width": 17, "height": 10, "rx": 3}),
        ]
    return shapes


FRONT = [({"face", "head"}, *_HEAD), ({"neck"}, *_NECK), ({"chest"}, *_TORSO_TOP),
         ({"abdomen"}, *_TORSO_BOTTOM)] + _limbs("right", "left")
BACK = [({"head"}, *_HEAD), ({"neck"}, *_NECK), ({"upper_back"}, *_TORSO_TOP),
        ({"lower_back"}, *_TORSO_BOTTOM)] + _limbs("left", "right")


@register.simple_tag
def body_map_views(regions):
    """[(label, x offset, near side letter, far side letter, [shape dicts])] for the two views."""
    marked = set(regions or [])
    views = []
    for label, offset, near, far, shapes in (("Front", 10, "R", "L", FRONT), ("Back", 140, "L", "R", BACK)):
        views.append({
            "label": label, "offset": offset, "near": near, "far": far,
            "shapes": [{"kind": kind, "fill": MARKED if codes & marked else CLEAR, **geometry}
                       for codes, kind, geometry in shapes],
        })
    return views


@register.filter
def region_labels(regions) -> list[str]:
    """Region codes as words, in the map's order (unknown codes are dropped)."""
    chosen = set(regions or [])
    return [label for code, label in BodyRegion.choices if code in chosen]
