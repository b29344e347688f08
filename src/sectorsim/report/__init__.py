"""The HTML reports: one self-contained page per run, evaluation, assessment and sensitivity analysis.

Every report is built on the one page shell of :mod:`sectorsim.report.page` (head, style sheet,
figures embedded as PNG so the file opens offline and can be mailed alone). Modules: ``page`` (the
shell, figure embedding and layout), ``formats`` (numbers and labels), ``run``, ``evaluation``,
``assessment``, ``sweep``, ``discovery`` and ``budgets`` (one report each), and ``headline`` (the run
report's first section).
"""

from sectorsim.report.assessment import assessment_figures, write_assessment_report
from sectorsim.report.discovery import write_discovery_report
from sectorsim.report.evaluation import impact_figure, write_evaluation_report
from sectorsim.report.formats import LABELS, fmt, interval
from sectorsim.report.page import figure
from sectorsim.report.run import (
    comparison_table,
    differences_figure,
    earnings_by_group_figure,
    labor_market_figure,
    turnover_figure,
    write_report,
)
from sectorsim.report.sweep import sensitivity_figures, write_sensitivity_report

__all__ = [
    "LABELS",
    "assessment_figures",
    "comparison_table",
    "differences_figure",
    "earnings_by_group_figure",
    "labor_market_figure",
    "figure",
    "fmt",
    "impact_figure",
    "interval",
    "sensitivity_figures",
    "turnover_figure",
    "write_assessment_report",
    "write_discovery_report",
    "write_evaluation_report",
    "write_report",
    "write_sensitivity_report",
]
