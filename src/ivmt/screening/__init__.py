"""Eligibility screening: runs of the rule engine over a patient's facts, physician decisions,
the medical director's approval of the knowledge version, and the intake form."""
