"""Optimisation on networks: nomination validation (settings of the active elements)."""

from trunkline.optimize.nomination import NominationResult, check_nomination, gas_for_gaslib

__all__ = ["NominationResult", "check_nomination", "gas_for_gaslib"]
