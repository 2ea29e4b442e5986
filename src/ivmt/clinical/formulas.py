"""Formulas and routes as data (``data/formulas.toml``, ``data/routes.toml``), and volume choice.

A :class:`Formula` lists components (ingredient + stated volume + allowed range). The seed recipe
is encoded exactly as written: its vitamin C component has no stated volume and
``must_choose = True``, so :func:`resolve_volumes` refuses to build a bag until the prescriber
chooses one. ``default_ml`` (5 mL, the Yale volume) is only a documented suggestion for
pre-filling a form; it is never applied silently.

Volume checks, in order, each a :class:`~ivmt.clinical.errors.VolumeError` with a clear message:
not a number, negative, absurd (over :data:`ABSURD_VOLUME_ML`), outside the component's range
(0 is allowed for optional components), over the container capacity, or an empty mixture.

Trade-off: ranges are per component, not per nutrient, because that is how the sources state
them and how a pharmacist draws up a syringe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from ivmt.clinical.errors import (
    RouteError,
    UnknownFormula,
    UnknownIngredient,
    VolumeChoiceRequired,
    VolumeError,
)
from ivmt.clinical.ingredients import Ingredient, ingredient
from ivmt.clinical.knowledge import STATUSES, EntryReader, Provenance, entries
from ivmt.clinical.quantities import exact, plain

FORMULA_FILE = "formulas.toml"
ROUTE_FILE = "routes.toml"
# DESIGN: no single IVMT component is ever drawn up in litres; a volume above this is a typo
# (a unit slip or an extra zero), refused before any range check so the message says so.
ABSURD_VOLUME_ML = Decimal(1000)


@dataclass(frozen=True)
class Route:
    """A way of giving the mixture, with the typical duration the sources describe (minutes)."""

    id: str
    name: str
    container: str
    typical_duration_min_low: Decimal
    typical_duration_min_high: Decimal
    provenance: Provenance


@dataclass(frozen=True)
class Component:
    """One ingredient of a formula. ``volume_ml`` is None when the prescriber must choose."""

    ingredient: Ingredient
    volume_ml: Decimal | None
    must_choose: bool
    default_ml: Decimal | None
    default_status: str | None
    default_rationale: str | None
    min_ml: Decimal
    max_ml: Decimal
    optional: bool
    range_status: str
    range_sources: tuple[str, ...]
    range_rationale: str

    @property
    def ingredient_id(self) -> str:
        return self.ingredient.id

    def allows(self, volume_ml: Decimal) -> bool:
        """True when ``volume_ml`` is inside the range (or 0 for an optional component)."""
        return (self.optional and volume_ml == 0) or self.min_ml <= volume_ml <= self.max_ml

    def range_text(self) -> str:
        text = (
            f"{plain(self.min_ml)} mL"
            if self.min_ml == self.max_ml
            else f"{plain(self.min_ml)}-{plain(self.max_ml)} mL"
        )
        return f"0 mL or {text}" if self.optional else text


@dataclass(frozen=True)
class Formula:
    """An IVMT formula: components, allowed routes and provenance."""

    id: str
    name: str
    components: tuple[Component, ...]
    routes: tuple[Route, ...]
    default_route: Route
    container_max_ml: Decimal | None
    provenance: Provenance

    @property
    def status(self) -> str:
        return self.provenance.status

    def component(self, ingredient_id: str) -> Component:
        """The component using ``ingredient_id``; raises UnknownIngredient naming the others."""
        for candidate in self.components:
            if candidate.ingredient.id == ingredient_id:
                return candidate
        ingredient(ingredient_id)  # an id unknown to the catalogue gets that message instead
        listed = ", ".join(c.ingredient.id for c in self.components)
        raise UnknownIngredient(
            f"{self.name} has no component '{ingredient_id}'. Its components are: {listed}."
        )

    def route(self, route_id: str) -> Route:
        for candidate in self.routes:
            if candidate.id == route_id:
                return candidate
        allowed = ", ".join(r.id for r in self.routes)
        raise RouteError(
            f"{self.name} is not given by route '{route_id}'. Allowed routes: {allowed}."
        )

    def suggested_volumes(self) -> dict[str, Decimal]:
        """Stated volumes plus documented defaults, to pre-fill an order form (never applied
        silently: the prescriber must still confirm every ``must_choose`` component)."""
        suggested: dict[str, Decimal] = {}
        for c in self.components:
            value = c.volume_ml if c.volume_ml is not None else c.default_ml
            if value is not None:
                suggested[c.ingredient.id] = value
        return suggested


def _route(entry: EntryReader) -> Route:
    low = entry.decimal("typical_duration_min_low", positive=True)
    high = entry.decimal("typical_duration_min_high", positive=True)
    if high < low:
        raise entry.error("typical_duration_min_high", "must not be below the low figure")
    route_ = Route(
        id=entry.slug("id"),
        name=entry.text("name"),
        container=entry.choice("container", ("syringe", "bag")),
        typical_duration_min_low=low,
        typical_duration_min_high=high,
        provenance=entry.provenance(),
    )
    entry.finish()
    return route_


@cache
def _routes() -> dict[str, Route]:
    return {r.id: r for r in (_route(e) for e in entries(ROUTE_FILE, "route"))}


def routes() -> tuple[Route, ...]:
    """Every route, in the order of the data file."""
    return tuple(_routes().values())


def route(route_id: str) -> Route:
    """The route with this id; raises RouteError naming the known ids."""
    try:
        return _routes()[route_id]
    except KeyError:
        known = ", ".join(_routes())
        raise RouteError(f"Unknown route '{route_id}'. Known routes: {known}.") from None


def _component(entry: EntryReader) -> Component:
    try:
        ingredient_ = ingredient(entry.slug("ingredient"))
    except UnknownIngredient as exc:
        raise entry.error("ingredient", str(exc).rstrip(".")) from None
    must_choose = entry.optional_boolean("must_choose", False)
    volume = entry.optional_decimal("volume_ml", non_negative=True)
    if must_choose == (volume is not None):
        raise entry.error("volume_ml", "give a volume_ml, or must_choose = true, not both")
    min_ml = entry.decimal("min_ml", non_negative=True)
    max_ml = entry.decimal("max_ml", positive=True)
    if max_ml < min_ml:
        raise entry.error("max_ml", "must not be below min_ml")
    default = entry.optional_decimal("default_ml", positive=True)
    default_status = entry.choice("default_status", STATUSES) if default is not None else None
    default_rationale = entry.text("default_rationale") if default is not None else None
    range_sources = entry.source_tags("range_sources")
    component_ = Component(
        ingredient=ingredient_,
        volume_ml=volume,
        must_choose=must_choose,
        default_ml=default,
        default_status=default_status,
        default_rationale=default_rationale,
        min_ml=min_ml,
        max_ml=max_ml,
        optional=entry.optional_boolean("optional", False),
        range_status=entry.choice("range_status", STATUSES),
        range_sources=range_sources,
        range_rationale=entry.text("range_rationale"),
    )
    for value, field in ((volume, "volume_ml"), (default, "default_ml")):
        if value is not None and not component_.allows(value):
            raise entry.error(field, f"{plain(value)} mL is outside {component_.range_text()}")
    if default is None:
        # Mark the pair read so finish() accepts neither being present.
        entry.optional_text("default_status")
        entry.optional_text("default_rationale")
    entry.finish()
    return component_


def _formula(entry: EntryReader) -> Formula:
    route_ids = entry.texts("routes", allow_empty=False)
    try:
        routes_ = tuple(_routes()[r] for r in route_ids)
    except KeyError as exc:
        raise entry.error("routes", f"unknown route {exc}") from None
    default_route = entry.text("default_route")
    if default_route not in route_ids:
        raise entry.error("default_route", f"'{default_route}' is not among its routes")
    components = tuple(_component(c) for c in entry.tables("components"))
    ids = [c.ingredient.id for c in components]
    if len(set(ids)) != len(ids):
        raise entry.error("components", "an ingredient is listed twice")
    formula_ = Formula(
        id=entry.slug("id"),
        name=entry.text("name"),
        components=components,
        routes=routes_,
        default_route=_routes()[default_route],
        container_max_ml=entry.optional_decimal("container_max_ml", positive=True),
        provenance=entry.provenance(),
    )
    entry.finish()
    return formula_


@cache
def _formulas() -> dict[str, Formula]:
    return {f.id: f for f in (_formula(e) for e in entries(FORMULA_FILE, "formula"))}


def formulas() -> tuple[Formula, ...]:
    """Every formula, in the order of the data file (the seed recipe first)."""
    return tuple(_formulas().values())


def formula(formula_id: str) -> Formula:
    """The formula with this id; raises UnknownFormula naming the known ids."""
    try:
        return _formulas()[formula_id]
    except KeyError:
        known = ", ".join(_formulas())
        raise UnknownFormula(f"Unknown formula '{formula_id}'. Known formulas: {known}.") from None


def resolve_volumes(
    formula_: Formula, chosen_ml: Mapping[str, object] | None = None
) -> tuple[tuple[Component, Decimal], ...]:
    """Every component with the volume to use, in formula order.

    ``chosen_ml`` maps ingredient id to a volume in mL (Decimal, int or numeric string; floats
    are refused). Components not chosen take the formula's stated volume. Raises
    UnknownIngredient for an id the formula does not use, VolumeChoiceRequired when a
    ``must_choose`` component is missing, and VolumeError for a bad volume (see module doc).
    """
    chosen = dict(chosen_ml or {})
    for ingredient_id in chosen:
        formula_.component(ingredient_id)
    resolved: list[tuple[Component, Decimal]] = []
    for component in formula_.components:
        name = component.ingredient.name
        if component.ingredient.id in chosen:
            volume = exact(chosen[component.ingredient.id], f"Volume of {name}", VolumeError)
        elif component.volume_ml is not None:
            volume = component.volume_ml
        else:
            hint = (
                f" (documented default {plain(component.default_ml)} mL)"
                if component.default_ml is not None
                else ""
            )
            raise VolumeChoiceRequired(
                f"{formula_.name}: the prescriber must choose the volume of {name} "
                f"({component.range_text()}){hint}; set {component.ingredient.id}=ML."
            )
        _check_volume(component, volume)
        resolved.append((component, volume))
    total = sum((v for _, v in resolved), Decimal(0))
    if total == 0:
        raise VolumeError(f"{formula_.name}: every volume is 0 mL; there is nothing to give.")
    if formula_.container_max_ml is not None and total > formula_.container_max_ml:
        raise VolumeError(
            f"{formula_.name}: {plain(total)} mL does not fit the "
            f"{plain(formula_.container_max_ml)} mL syringe the source mixes it in."
        )
    return tuple(resolved)


def _check_volume(component: Component, volume: Decimal) -> None:
    name = component.ingredient.name
    if volume < 0:
        raise VolumeError(f"Volume of {name} is negative ({plain(volume)} mL).")
    if volume > ABSURD_VOLUME_ML:
        raise VolumeError(
            f"Volume of {name} ({plain(volume)} mL) is not plausible; check the unit (mL)."
        )
    if not component.allows(volume):
        raise VolumeError(
            f"Volume of {name} ({plain(volume)} mL) is outside the allowed "
            f"{component.range_text()} ({component.range_status}: {component.range_rationale})"
        )
