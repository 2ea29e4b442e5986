"""Turn "a visit in chair group g" into "a visit in chair c".

Visits are taken in order of start and each goes to the lowest-numbered chair of its group that
is free by then. For intervals this greedy is exact: if the group's cumulative constraint holds
(never more overlapping visits than chairs), a free chair always exists.
"""

from __future__ import annotations

from ivmt.scheduling.solver.start_domains import ChairGroup


def colour_chairs(
    groups: list[ChairGroup], visits: list[tuple[str, int, int, int]]
) -> dict[str, str]:
    """Chair id per request id, from ``(request_id, group_index, start, end)`` visits.

    Raises ``ValueError`` if a group is over capacity (the model guarantees it is not).
    """
    free_at = {g.index: [-(10**9)] * g.capacity for g in groups}
    chair_of: dict[str, str] = {}
    for rid, g, start, end in sorted(visits, key=lambda v: (v[2], v[0])):
        slots = free_at[g]
        for i, free in enumerate(slots):
            if free <= start:
                slots[i] = end
                chair_of[rid] = groups[g].chairs[i].id
                break
        else:
            raise ValueError(f"chair group {g} is over capacity at minute {start}")
    return chair_of
