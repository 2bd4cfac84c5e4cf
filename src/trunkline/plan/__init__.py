"""Planning: a long-term contract day by day against the line's hydraulic capacity,
its economics and its emissions.

    import trunkline as tl
    res = tl.plan("power_of_siberia_2")        # the built-in PoS2 plan
    res.npv, res.irr, res.breakeven_price, res.levelised_tariff, res.emissions
    res.daily, res.yearly, res.tornado, res.assumptions

Modules: :mod:`.capacity` (capacity and fuel curves from the hydraulics),
:mod:`.contract` (terms and the daily engine), :mod:`.prices`, :mod:`.economics`,
:mod:`.emissions`, :mod:`.scenario` (plan files), :mod:`.result`, :mod:`.planner`.

``tl.plan`` is the :func:`plan` function, which shadows this package on the parent
package; the function therefore carries the package's public names and submodules,
so ``import trunkline.plan as tp; tp.load_plan(...)`` and
``import trunkline.plan.contract`` work as for any package.
"""

import sys as _sys

from trunkline.plan.capacity import (
    ALL_MONTHS,
    COARSE_MONTHS,
    CapacityCurve,
    capacity_curve,
    clear_capacity_cache,
    maintenance_mask,
    table_curve,
)
from trunkline.plan.contract import (
    FLAT,
    NORTH_CHINA_WINTER,
    ContractResult,
    ContractTerms,
    SeasonalProfile,
    TakeOrPaySettlement,
    load_profile,
    run_contract,
    settle_take_or_pay,
)
from trunkline.plan.economics import (
    CapexPart,
    CashFlows,
    EconomicTerms,
    Sensitivity,
    breakeven_price,
    cash_flows,
    irr,
    levelised_tariff,
    npv,
    payback,
    tornado,
)
from trunkline.plan.emissions import EmissionFactors, gas_carbon
from trunkline.plan.montecarlo import (
    NO_UNCERTAINTY,
    MonteCarloResult,
    Uncertainty,
    monte_carlo,
)
from trunkline.plan.planner import Evaluation, evaluate, plan, plan_curve
from trunkline.plan.prices import (
    FixedPrice,
    IndexedPrice,
    IndexPath,
    PriceContext,
    SCurve,
    builtin_path,
    daily_prices,
    load_index_csv,
    parse_money,
    parse_price,
)
from trunkline.plan.reliability import PipelineOutages, ReliabilityModel, UnitReliability
from trunkline.plan.result import PlanResult, headline
from trunkline.plan.scenario import BUILTIN_PLANS, PlanInputs, load_plan, plan_from_dict
from trunkline.plan.surface import CapacitySurface, capacity_surface, uniform_surface

__all__ = [
    "ALL_MONTHS",
    "BUILTIN_PLANS",
    "COARSE_MONTHS",
    "FLAT",
    "NORTH_CHINA_WINTER",
    "NO_UNCERTAINTY",
    "CapacityCurve",
    "CapacitySurface",
    "CapexPart",
    "CashFlows",
    "ContractResult",
    "ContractTerms",
    "EconomicTerms",
    "EmissionFactors",
    "Evaluation",
    "FixedPrice",
    "IndexPath",
    "IndexedPrice",
    "MonteCarloResult",
    "PipelineOutages",
    "PlanInputs",
    "PlanResult",
    "PriceContext",
    "ReliabilityModel",
    "SCurve",
    "SeasonalProfile",
    "Sensitivity",
    "TakeOrPaySettlement",
    "Uncertainty",
    "UnitReliability",
    "breakeven_price",
    "builtin_path",
    "capacity_curve",
    "capacity_surface",
    "cash_flows",
    "clear_capacity_cache",
    "daily_prices",
    "evaluate",
    "gas_carbon",
    "headline",
    "irr",
    "levelised_tariff",
    "load_index_csv",
    "load_plan",
    "load_profile",
    "maintenance_mask",
    "monte_carlo",
    "npv",
    "parse_money",
    "parse_price",
    "payback",
    "plan",
    "plan_curve",
    "plan_from_dict",
    "run_contract",
    "settle_take_or_pay",
    "table_curve",
    "tornado",
    "uniform_surface",
]


_SUBMODULES = ("capacity", "contract", "economics", "emissions", "planner", "prices", "result",
               "scenario", "montecarlo", "reliability", "surface")
for _name in (*__all__, *_SUBMODULES):
    setattr(plan, _name, getattr(_sys.modules[__name__], _name))
