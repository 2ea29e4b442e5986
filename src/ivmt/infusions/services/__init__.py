"""Writes of infusion charting. Each is one audited change inside one transaction; refusals
change nothing (and the clinically meaningful ones leave a denied audit row).

Lock order: the patient, then the chart (then the pharmacy's compounding record, through its
own service). See ``ivmt.infusions.models``.
"""

from ivmt.infusions.services.advice import advice_accept, advice_dismiss
from ivmt.infusions.services.check_in import (
    CheckIn,
    chart_check_in,
    chart_hold,
    chart_hold_release,
    chart_not_given,
    chart_vitals_record,
)
from ivmt.infusions.services.identify import chart_identify, wristband_issue
from ivmt.infusions.services.observations import (
    Seen,
    adverse_event_acknowledge,
    adverse_event_update,
    observation_record,
)
from ivmt.infusions.services.policy import infusion_policy_update, policy_for
from ivmt.infusions.services.running import (
    chart_finish,
    chart_iv_record,
    infusion_end,
    infusion_rate_change,
    infusion_start,
)
from ivmt.infusions.services.signing import chart_amend, chart_sign

__all__ = [
    "CheckIn",
    "Seen",
    "adverse_event_acknowledge",
    "adverse_event_update",
    "advice_accept",
    "advice_dismiss",
    "chart_amend",
    "chart_check_in",
    "chart_finish",
    "chart_hold",
    "chart_hold_release",
    "chart_identify",
    "chart_iv_record",
    "chart_not_given",
    "chart_sign",
    "chart_vitals_record",
    "infusion_end",
    "infusion_policy_update",
    "infusion_rate_change",
    "infusion_start",
    "observation_record",
    "policy_for",
    "wristband_issue",
]
