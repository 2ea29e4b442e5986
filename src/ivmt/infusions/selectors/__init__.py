"""Reads of infusion charting, scoped to the actor's clinic and audited.

A chart, adverse event or advice of another clinic (or none) answers 404 with a denied audit
row. Modules: ``charts`` (one chart, a patient's infusions, the outcomes markers), ``board``
(the today board, the check-in list), ``notifications`` (the physicians' lists).
"""

from ivmt.infusions.selectors.board import (
    Board,
    BoardEntry,
    ChairRow,
    ExpectedVisit,
    board_counts,
    check_in_candidates,
    expected_visits,
    today_board,
)
from ivmt.infusions.selectors.charts import (
    ChartDetail,
    InfusionMarker,
    TimelineEntry,
    booked_chair_id,
    chart_detail,
    chart_get,
    current_wristband,
    dose_for_check_in,
    infusion_markers,
    open_chart_for_dose,
    patient_infusions,
)
from ivmt.infusions.selectors.notifications import (
    adverse_event_get,
    adverse_events,
    advice_get,
    open_adverse_events,
    pending_advice,
)

__all__ = [
    "Board",
    "BoardEntry",
    "ChairRow",
    "ChartDetail",
    "ExpectedVisit",
    "InfusionMarker",
    "TimelineEntry",
    "adverse_event_get",
    "adverse_events",
    "advice_get",
    "board_counts",
    "booked_chair_id",
    "chart_detail",
    "chart_get",
    "check_in_candidates",
    "current_wristband",
    "dose_for_check_in",
    "expected_visits",
    "infusion_markers",
    "open_adverse_events",
    "open_chart_for_dose",
    "patient_infusions",
    "pending_advice",
    "today_board",
]
