"""The 21 components of GERG-2008 / AGA8-DETAIL: names, formulas and aliases.

The order is the NIST AGA8 order (Kunz & Wagner 2012, table 2; usnistgov/AGA8),
which is also the order of :data:`COMPONENTS`. Each component is known by a
canonical common name ("n-butane"), its formula ("n-C4H10") and a few usual
aliases; lookup ignores case, spaces, underscores and hyphens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from trunkline.errors import CompositionError

__all__ = ["COMPONENTS", "Component", "canonical_name", "normalise_composition"]


@dataclass(frozen=True, slots=True)
class Component:
    """One EOS component.

    Attributes:
        name: canonical common name, e.g. ``"n-butane"``.
        formula: chemical formula as written in input files, e.g. ``"n-C4H10"``.
        aga8: attribute name on :class:`pyaga8.Composition`.
        carbon: carbon atoms per molecule (for CO2 from combustion).
        hydrogen: hydrogen atoms per molecule.
        aliases: other accepted spellings.
    """

    name: str
    formula: str
    aga8: str
    carbon: int
    hydrogen: int
    aliases: tuple[str, ...] = ()


COMPONENTS: Final[tuple[Component, ...]] = (
    Component("methane", "CH4", "methane", 1, 4, ("C1",)),
    Component("nitrogen", "N2", "nitrogen", 0, 0),
    Component("carbon dioxide", "CO2", "carbon_dioxide", 1, 0),
    Component("ethane", "C2H6", "ethane", 2, 6, ("C2",)),
    Component("propane", "C3H8", "propane", 3, 8, ("C3",)),
    Component("isobutane", "i-C4H10", "isobutane", 4, 10, ("iC4", "i-butane", "iC4H10")),
    Component("n-butane", "n-C4H10", "n_butane", 4, 10, ("nC4", "butane", "nC4H10")),
    Component("isopentane", "i-C5H12", "isopentane", 5, 12, ("iC5", "i-pentane", "iC5H12")),
    Component("n-pentane", "n-C5H12", "n_pentane", 5, 12, ("nC5", "pentane", "nC5H12")),
    Component("n-hexane", "n-C6H14", "hexane", 6, 14, ("nC6", "hexane", "C6H14", "C6")),
    Component("n-heptane", "n-C7H16", "heptane", 7, 16, ("nC7", "heptane", "C7H16", "C7")),
    Component("n-octane", "n-C8H18", "octane", 8, 18, ("nC8", "octane", "C8H18", "C8")),
    Component("n-nonane", "n-C9H20", "nonane", 9, 20, ("nC9", "nonane", "C9H20", "C9")),
    Component("n-decane", "n-C10H22", "decane", 10, 22, ("nC10", "decane", "C10H22", "C10")),
    Component("hydrogen", "H2", "hydrogen", 0, 2),
    Component("oxygen", "O2", "oxygen", 0, 0),
    Component("carbon monoxide", "CO", "carbon_monoxide", 1, 0),
    Component("water", "H2O", "water", 0, 2),
    Component("hydrogen sulfide", "H2S", "hydrogen_sulfide", 0, 2),
    Component("helium", "He", "helium", 0, 0),
    Component("argon", "Ar", "argon", 0, 0),
)


def _key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch not in " _-")


_LOOKUP: Final[dict[str, str]] = {}
for _c in COMPONENTS:
    for _alias in (_c.name, _c.formula, _c.aga8, *_c.aliases):
        _LOOKUP[_key(_alias)] = _c.name

#: Tolerance on the sum of mole fractions before it is an error.
SUM_TOLERANCE: Final = 1e-4


def canonical_name(name: str) -> str:
    """Return the canonical component name for ``name`` (common name, formula or alias).

    Raises:
        CompositionError: if the name is not one of the 21 GERG-2008 components.
    """
    try:
        return _LOOKUP[_key(name)]
    except KeyError:
        valid = ", ".join(c.name for c in COMPONENTS)
        raise CompositionError(
            "unknown gas component",
            element="composition",
            field=name,
            value=name,
            expected=f"one of: {valid} (or their formulas, e.g. CH4, n-C4H10)",
        ) from None


def normalise_composition(composition: Mapping[str, float]) -> dict[str, float]:
    """Check a composition and return it keyed by canonical name, in NIST order.

    The mole fractions must be finite, non-negative and sum to 1 within
    :data:`SUM_TOLERANCE`; they are then rescaled to sum to exactly 1.
    A component given twice under two spellings is an error.

    Raises:
        CompositionError: naming the offending key and value.
    """
    if not composition:
        raise CompositionError("empty composition", element="composition",
                               expected="mole fractions summing to 1")
    out: dict[str, float] = {}
    for key, raw in composition.items():
        name = canonical_name(key)
        try:
            x = float(raw)
        except (TypeError, ValueError):
            raise CompositionError("mole fraction is not a number", element="composition",
                                   field=key, value=raw, expected="a number in [0, 1]") from None
        if not (x == x) or x < 0.0 or x > 1.0:  # NaN, negative or > 1
            raise CompositionError("mole fraction out of range", element="composition",
                                   field=key, value=raw, expected="a number in [0, 1]")
        if name in out:
            raise CompositionError("component given twice", element="composition",
                                   field=key, value=raw,
                                   expected=f"'{name}' only once (under any one spelling)")
        out[name] = x
    total = sum(out.values())
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise CompositionError(
            f"mole fractions sum to {total:.6g}",
            element="composition",
            field="sum",
            value=total,
            expected=f"1 within {SUM_TOLERANCE:g} (give fractions, not percent)",
        )
    return {c.name: out[c.name] / total for c in COMPONENTS if out.get(c.name, 0.0) > 0.0}
