"""Who may do what: the one policy table that views, services and the access tests read.

Deny by default: a capability not listed here is held by nobody, and a view without a
capability is refused by the role × page test (``tests/core/test_access_matrix.py``).
"""

from __future__ import annotations

from ivmt.core.roles import Role

P, N, RX, FD, M = (Role.PHYSICIAN, Role.NURSE, Role.PHARMACIST, Role.FRONT_DESK, Role.MANAGER)

POLICY: dict[str, frozenset[Role]] = {
    # Every staff member lands on a dashboard shaped by their role.
    "dashboard.view": frozenset({P, N, RX, FD, M}),
    # Reading charts: clinical staff and the front desk (who register and book); the
    # manager runs the clinic and its reports but does not read charts.
    "patients.view": frozenset({P, N, RX, FD}),
    "patients.register": frozenset({P, N, FD}),
    "patients.edit_demographics": frozenset({P, N, FD}),
    "patients.edit_clinical": frozenset({P, N}),
    "labs.record": frozenset({P, N}),
    "audit.view": frozenset({M}),
    "clinic.configure": frozenset({M}),
    "staff.manage": frozenset({M}),
    "knowledge.view": frozenset({P, N, RX, M}),
    # Screening (issue 4): clinical staff read it; physicians and nurses screen, record the
    # intake and request missing labs; only a physician decides (approve, override, decline);
    # approving the knowledge is a physician capability that the service further limits to the
    # clinic's medical director; the manager sets the clinic's screening policy.
    "screening.view": frozenset({P, N, RX}),
    "screening.run": frozenset({P, N}),
    "screening.intake": frozenset({P, N}),
    "screening.request_labs": frozenset({P, N}),
    "screening.decide": frozenset({P}),
    "screening.queue": frozenset({P}),
    "screening.configure": frozenset({M}),
    "knowledge.approve": frozenset({P}),
    # Course orders: clinical staff read them; only a physician writes and signs one; the
    # medical director (checked in the service) sets the clinic's prescribing limits.
    "orders.view": frozenset({P, N, RX}),
    "orders.prescribe": frozenset({P}),
    "orders.configure": frozenset({P}),
    # Pharmacy: pharmacists compound and verify (never both on one bag: checked in the
    # service); nurses and physicians read bags and record them given at the chair; the
    # manager sees stock and prices and sets the compounding category with the pharmacists.
    "pharmacy.compound": frozenset({RX}),
    "pharmacy.bag_view": frozenset({P, N, RX}),
    "pharmacy.administer": frozenset({P, N}),
    "pharmacy.stock_view": frozenset({RX, M}),
    "pharmacy.stock_receive": frozenset({RX}),
    "pharmacy.recall": frozenset({P, RX}),
    "pharmacy.configure": frozenset({RX, M}),
    # Infusion charting at the chair (issue 6): nurses and physicians chart; the front desk
    # also sees the today board (who arrived, who is infusing: no clinical detail) and prints
    # wristbands at arrival; a physician releases held doses, acknowledges adverse events and
    # decides next-dose advice; the medical director (checked in the service) sets the clinic's
    # hold limits.
    "infusions.board": frozenset({P, N, FD}),
    "infusions.view": frozenset({P, N}),
    "infusions.chart": frozenset({P, N}),
    "infusions.wristband": frozenset({P, N, FD}),
    "infusions.review": frozenset({P}),
    "infusions.configure": frozenset({P}),
    # Outcomes (issue 8): questionnaire answers are clinical data (PHQ-9 item 9), so only
    # physicians and nurses read and record them; a physician signs reviews and acts on
    # alerts; the manager sees the programme's aggregates and the de-identified export.
    "outcomes.view": frozenset({P, N}),
    "outcomes.record": frozenset({P, N}),
    "outcomes.review": frozenset({P}),
    "outcomes.programme": frozenset({P, M}),
    "outcomes.export": frozenset({M}),
    "outcomes.configure": frozenset({M}),
    # Billing (issue 9): the front desk has patients sign the consent and waiver (nurses and
    # physicians may too); the manager publishes the wording, sets the price list and sees
    # balances; charges and payments are the front desk's and the manager's. The roles that
    # sign an infusion at the chair make its charges through the infusion service.
    "billing.consent_view": frozenset({P, N, FD}),
    "billing.consent_sign": frozenset({P, N, FD}),
    "billing.documents": frozenset({M}),
    "billing.view": frozenset({FD, M}),
    "billing.charge": frozenset({FD, M}),
    "billing.charge_infusion": frozenset({P, N}),
    "billing.payment": frozenset({FD, M}),
    "billing.configure": frozenset({M}),
    # Referrals and the directory: clinical staff and the front desk track nutritionist
    # referrals; everyone on staff searches the directory of compounding pharmacies,
    # prescribers and nutritionists; the front desk, pharmacists and the manager keep it, and
    # the manager decides whether the clinic's own entry is shared with other clinics.
    "referrals.view": frozenset({P, N, FD}),
    "referrals.manage": frozenset({P, N, FD}),
    "directory.view": frozenset({P, N, RX, FD, M}),
    "directory.manage": frozenset({RX, FD, M}),
    "directory.share": frozenset({M}),
    # Scheduling (issue 7): every staff role reads the day and week (the pharmacy compounds
    # by appointment time; the manager runs the day); nurses and the front desk book, move
    # and cancel, and check patients in (physicians too); the front desk and the manager lay
    # out a day with the optimiser; the manager sets the rules and the nurses' rota.
    "scheduling.view": frozenset({P, N, RX, FD, M}),
    "scheduling.book": frozenset({N, FD}),
    "scheduling.checkin": frozenset({P, N, FD}),
    "scheduling.optimise": frozenset({FD, M}),
    "scheduling.configure": frozenset({M}),
    # The patient portal: a patient sees their own chart summary and nothing else.
    "portal.view": frozenset({Role.PATIENT}),
}


def role_may(role: Role | str, capability: str) -> bool:
    """True when ``role`` holds ``capability``; unknown capabilities are held by nobody."""
    return role in POLICY.get(capability, frozenset())


def roles_with(capability: str) -> frozenset[Role]:
    return POLICY.get(capability, frozenset())
