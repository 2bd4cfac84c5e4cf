"""One exception family for trunkline.

Every error a user can trigger with bad input derives from :class:`TrunklineError`.
Input errors name the *element* (a scenario section, a pipe, a gas component …),
the *field*, the offending *value* and what would be *valid*, so that a message
can be acted on without reading the source.

The family also subclasses the matching built-in exception (``ValueError`` for
bad input, ``ArithmeticError`` for a solver that failed), so generic ``except
ValueError`` code keeps working.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "CompositionError",
    "ConvergenceError",
    "InfeasibleError",
    "InputError",
    "OutOfRangeError",
    "ScenarioError",
    "TrunklineError",
    "UnitError",
]


class TrunklineError(Exception):
    """Base class of every error raised by trunkline."""


class InputError(TrunklineError, ValueError):
    """Bad input: names the element, the field, the value and what would be valid."""

    def __init__(
        self,
        message: str,
        *,
        element: str | None = None,
        field: str | None = None,
        value: Any = None,
        expected: str | None = None,
    ) -> None:
        self.element = element
        self.field = field
        self.value = value
        self.expected = expected
        parts = []
        where = ".".join(p for p in (element, field) if p)
        if where:
            parts.append(f"{where}: ")
        parts.append(message)
        if value is not None:
            parts.append(f" (got {value!r})")
        if expected:
            parts.append(f"; expected {expected}")
        super().__init__("".join(parts))


class UnitError(InputError):
    """A quantity string could not be parsed or has the wrong dimension."""


class CompositionError(InputError):
    """A gas composition is invalid (unknown component, negative, bad sum)."""


class ScenarioError(InputError):
    """A scenario file or model is invalid."""


class OutOfRangeError(InputError):
    """A state lies outside the range where a model or table is valid."""


class InfeasibleError(TrunklineError):
    """The requested operation cannot be met within the physical limits.

    ``limits`` lists the limits that were hit, in words.
    """

    def __init__(self, message: str, *, limits: Sequence[str] = ()) -> None:
        self.limits = list(limits)
        text = message
        if self.limits:
            text += " [limits: " + "; ".join(self.limits) + "]"
        super().__init__(text)


class ConvergenceError(TrunklineError, ArithmeticError):
    """An iterative solver did not converge; never a silent wrong answer."""

    def __init__(
        self,
        message: str,
        *,
        iterations: int,
        residual: float,
        worst: Mapping[str, float] | None = None,
    ) -> None:
        self.iterations = iterations
        self.residual = residual
        self.worst = dict(worst or {})
        text = f"{message}: not converged after {iterations} iterations, residual {residual:.3e}"
        if self.worst:
            items = ", ".join(f"{k}={v:.3e}" for k, v in list(self.worst.items())[:5])
            text += f"; worst: {items}"
        super().__init__(text)
