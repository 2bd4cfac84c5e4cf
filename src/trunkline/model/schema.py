"""Shared pieces of the input schemas (trunkline, network and plan scenario files)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Qty", "ScenarioMeta", "StrictModel"]

#: A quantity in an input file: a string with its unit ("9.8 MPa"), or a bare number
#: already in SI.
Qty = str | float | int


class StrictModel(BaseModel):
    """Base of every input table: unknown keys are errors, fields may use their aliases."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ScenarioMeta(StrictModel):
    """The ``[scenario]`` table: name, title, description."""

    name: str
    title: str = ""
    description: str = ""
