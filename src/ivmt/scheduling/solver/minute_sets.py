"""Sets of integer minutes stored as sorted, disjoint, inclusive ``(lo, hi)`` spans.

Inclusive bounds match OR-Tools' ``Domain.FromIntervals`` so a set goes straight into a model
variable's domain. Interval arithmetic keeps domain building linear in the number of windows
instead of scanning every minute of the day for every request.
"""

from __future__ import annotations

Spans = list[tuple[int, int]]


def normalise(spans: Spans) -> Spans:
    """Sort, drop empty spans and merge touching or overlapping ones."""
    result: Spans = []
    for lo, hi in sorted(s for s in spans if s[0] <= s[1]):
        if result and lo <= result[-1][1] + 1:
            result[-1] = (result[-1][0], max(result[-1][1], hi))
        else:
            result.append((lo, hi))
    return result


def intersect(a: Spans, b: Spans) -> Spans:
    """Minutes in both ``a`` and ``b`` (both normalised)."""
    result: Spans = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            result.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return result


def subtract(a: Spans, b: Spans) -> Spans:
    """Minutes in ``a`` but not in ``b`` (both normalised)."""
    result: Spans = []
    for lo, hi in a:
        cursor = lo
        for blo, bhi in b:
            if bhi < cursor or blo > hi:
                continue
            if blo > cursor:
                result.append((cursor, blo - 1))
            cursor = max(cursor, bhi + 1)
            if cursor > hi:
                break
        if cursor <= hi:
            result.append((cursor, hi))
    return result


def contains(spans: Spans, minute: int) -> bool:
    """True when ``minute`` is in the set."""
    return any(lo <= minute <= hi for lo, hi in spans)


def size(spans: Spans) -> int:
    """Number of minutes in the set."""
    return sum(hi - lo + 1 for lo, hi in spans)


def first_at_or_after(spans: Spans, minute: int) -> int | None:
    """Smallest member ``>= minute``, or None."""
    for lo, hi in spans:
        if hi >= minute:
            return max(lo, minute)
    return None
