"""Accessibility checks with axe-core (vendored at tests/vendor/axe.min.js).

``check_a11y(page)`` runs axe on the page as it is now and fails on serious or critical
violations of WCAG 2.0/2.1 level A and AA. axe is injected with ``page.evaluate(source)``:
``page.add_script_tag`` is blocked by our Content-Security-Policy (no inline scripts), while
``evaluate`` runs through the DevTools protocol, outside the page's CSP.

Every violation found (whatever its impact) is also written to
``test-artifacts/axe-violations.jsonl``, one JSON object a line, so moderate and minor ones
are visible too without failing the build. The file holds the latest run only (xdist workers
of one run share it).

Automated checks cover only part of WCAG: keyboard use, zoom to 400%, meaningful order and
clear wording still need a person (see docs/testing.md).
"""

from __future__ import annotations

import json
import os
import uuid
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "tests" / "vendor" / "axe.min.js"
REPORT_PATH = ROOT / "test-artifacts" / "axe-violations.jsonl"

WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
FAILING_IMPACTS = frozenset({"serious", "critical"})

# pytest-xdist gives its workers one id per run; without xdist, this process is the run.
RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex

# Set AXE_REPORT_ONLY=1 to survey every page without failing (records to the report file only).
REPORT_ONLY = os.environ.get("AXE_REPORT_ONLY") == "1"

_RUN_AXE = """
async (tags) => {
  const results = await window.axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
  }));
}
"""


@cache
def axe_source() -> str:
    return AXE_PATH.read_text(encoding="utf-8")


def run_axe(page, tags=WCAG_TAGS) -> list[dict]:
    """All axe violations on the current page (every impact), as plain dicts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(_RUN_AXE, list(tags))


def _selectors(node: dict) -> str:
    # A target is a list of selectors (more than one when the node is inside iframes/shadow DOM).
    return " > ".join(str(part) for part in node["target"])


def format_violations(violations: list[dict], url: str = "") -> str:
    lines = [f"{len(violations)} accessibility violation(s){' on ' + url if url else ''}:"]
    for v in violations:
        targets = ", ".join(_selectors(n) for n in v["nodes"][:3])
        more = f" (+{len(v['nodes']) - 3} more)" if len(v["nodes"]) > 3 else ""
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']}")
        lines.append(f"    elements: {targets}{more}")
        first = v["nodes"][0] if v["nodes"] else None
        if first and first.get("summary"):
            lines.append("    " + first["summary"].replace("\n", "\n    "))
        lines.append(f"    see {v['helpUrl']}")
    return "\n".join(lines)


def start_report() -> None:
    """Empty the report file if it was written by an earlier run."""
    REPORT_PATH.parent.mkdir(parents=True, exist_ok=True)
    try:
        with REPORT_PATH.open(encoding="utf-8") as existing:
            first = existing.readline()
        if first and json.loads(first).get("run") == RUN_ID:
            return
    except (OSError, ValueError):
        pass
    REPORT_PATH.write_text("", encoding="utf-8")


def _record(violations: list[dict], url: str, label: str, width: int | None) -> None:
    if not violations:
        return
    start_report()
    with REPORT_PATH.open("a", encoding="utf-8") as out:
        for v in violations:
            out.write(json.dumps({
                "run": RUN_ID, "page": label, "url": url, "width": width, "id": v["id"], "impact": v["impact"], "help": v["help"],
                "targets": [_selectors(n) for n in v["nodes"]],
            }) + "\n")


def check_a11y(page, label: str = "", impacts=FAILING_IMPACTS, allow: dict[str, str] | None = None) -> list[dict]:
    """Run axe on the page; raise AssertionError listing violations whose impact is in ``impacts``.

    ``allow`` = {rule id: reason} tolerates a known, reported violation on this page only. It is
    strict, like a strict xfail: once the page is fixed and the rule no longer fires, the check
    fails and asks for the allowance to be removed. Returns every violation found."""
    violations = run_axe(page)
    url = page.url
    where = f"{label} ({url})" if label else url
    _record(violations, url, label, (page.viewport_size or {}).get("width"))
    allow = allow or {}
    found = {v["id"] for v in violations}
    if REPORT_ONLY:
        return violations
    failing = [v for v in violations if v["impact"] in impacts and v["id"] not in allow]
    if failing:
        raise AssertionError(format_violations(failing, where))
    fixed = sorted(set(allow) - found)
    if fixed:
        raise AssertionError(f"axe no longer reports {', '.join(fixed)} on {where}: remove the allowance.")
    return violations
