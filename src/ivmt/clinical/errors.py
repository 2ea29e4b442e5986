"""Domain errors of the clinical core.

Every error the clinical core raises on bad input derives from :class:`ClinicalError`, a
``ValueError``, so that callers (Django forms and services, the command line) can catch one type
and show ``str(error)`` to the user as is. The message is written for a clinician or pharmacist:
it names the offending value, its unit and the accepted alternative or limit. It never contains
patient data, because messages may end up in logs.

Trade-off: one flat family of small classes rather than an error-code enum. A class per failure
lets tests and callers distinguish them precisely (``except ImpossibleLabValue``) while the shared
base keeps the common path to one ``except ClinicalError``.
"""

from __future__ import annotations


class ClinicalError(ValueError):
    """Base of every domain error; ``str()`` is a complete, user-facing sentence."""


class KnowledgeError(ClinicalError):
    """A knowledge data file is malformed; the message names file, entry and field."""


# Labs -------------------------------------------------------------------------------------------


class UnknownAnalyte(ClinicalError):
    """No analyte with this code is defined in the knowledge base."""


class LabUnitError(ClinicalError):
    """The unit is not accepted for this analyte; the message lists the accepted units."""


class LabValueError(ClinicalError):
    """A lab value that is not a finite, non-negative number."""


class ImpossibleLabValue(LabValueError):
    """A lab value outside the physiologically possible limits (a typo or a wrong unit)."""


# Indications ------------------------------------------------------------------------------------


class UnknownIndication(ClinicalError):
    """No indication with this code is defined in the knowledge base."""


# Ingredients, formulas and bags -----------------------------------------------------------------


class UnknownIngredient(ClinicalError):
    """No ingredient with this id, or the ingredient is not part of the formula."""


class UnknownFormula(ClinicalError):
    """No formula with this id is defined in the knowledge base."""


class RouteError(ClinicalError):
    """An unknown route, a route the formula does not allow, or a route/container mismatch."""


class VolumeError(ClinicalError):
    """A volume that is negative, absurd, not a number or outside the formula's allowed range."""


class VolumeChoiceRequired(VolumeError):
    """The formula requires the prescriber to choose a volume that was not given."""


class DurationError(ClinicalError):
    """An infusion duration that is zero, negative, absurd or not a number."""


class DropFactorError(ClinicalError):
    """A drip set's drop factor that is not a plausible whole number of drops per mL."""


class DilutionError(ClinicalError):
    """A dilution target that cannot be reached with the chosen diluent."""


class UnknownLimit(ClinicalError):
    """No limit (for example an osmolarity school) with this id is defined."""


class BeyondUseError(ClinicalError):
    """Beyond-use dating asked for an unknown category or storage, or a naive datetime."""


class PriceError(ClinicalError):
    """A price list that lacks an ingredient of the bag or holds a negative price."""


# Protocols --------------------------------------------------------------------------------------


class UnknownProtocol(ClinicalError):
    """No protocol with this id is defined in the knowledge base."""


class ScheduleError(ClinicalError):
    """A protocol cannot be expanded (for example every day is closed)."""
