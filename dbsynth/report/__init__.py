"""`dbsynth report`: validity, fidelity, detection and privacy of a synthetic database.

`build_report(real=…, synthetic=…)` reads both sides (URLs or sample folders)
and returns a `Report`; `Report.to_dict()` is the JSON for CI and
`html.render(report)` the self-contained page.
"""
from dbsynth.report.runner import Report, Side, build_report, load_side

__all__ = ["Report", "Side", "build_report", "load_side"]
