"""Grid search and a seeded genetic search over a ParamSpace; deterministic given the seed.

Fitness is one metric of the backtest (default ``sharpe``), negated for metrics where lower
is better (drawdown, volatility, VaR, ...); an undefined metric (None/NaN) or a parameter
set the Params model rejects has fitness ``-inf``. Ties are broken by the lower candidate
index (the order in which candidates were first proposed), never by timing.

The genetic search draws every random number from one ``numpy.random.Generator`` seeded
with ``seed`` in the parent process; workers only evaluate. Candidates are encoded as one
index per dimension; each generation keeps the ``elite`` best, then fills the population with
children of two tournament-selected parents (uniform crossover with probability
``crossover``, then each gene reset to a random value with probability ``mutation``,
default ``1 / n_dims``). A parameter set is evaluated once; repeats reuse its result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from quant.backtest.evaluate import BarRange, EvaluationPool
from quant.backtest.metrics import Metrics
from quant.backtest.space import ParamSpace
from quant.errors import QuantError

#: Metrics where a smaller value is better (their fitness is the negated value).
MINIMISE = frozenset(
    {
        "volatility",
        "max_drawdown",
        "max_drawdown_bars",
        "max_drawdown_days",
        "var_95",
        "es_95",
        "fees",
        "slippage",
        "turnover",
        "turnover_annual",
    }
)
_NUMERIC = frozenset(
    name
    for name, f in Metrics.model_fields.items()
    if f.annotation in (int, float, float | None) and name not in ("n_bars", "periods_per_year")
)


class SearchError(QuantError):
    """The search was asked for something impossible (unknown objective, no valid candidate)."""


def check_objective(objective: str) -> str:
    """The objective if it names a numeric metric, else SearchError listing the choices."""
    if objective not in _NUMERIC:
        raise SearchError(f"unknown objective {objective!r}; choose one of {sorted(_NUMERIC)}")
    return objective


def fitness(metrics: dict[str, Any], objective: str) -> float:
    """Larger is better: the metric (negated if in MINIMISE), ``-inf`` when undefined."""
    value = metrics.get(objective)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return -math.inf
    value = float(value)
    return -value if objective in MINIMISE else value


@dataclass(frozen=True)
class Candidate:
    """One evaluated parameter set."""

    index: int  # order of first proposal, 0-based
    generation: int  # 0 for grid search
    params: dict[str, Any]  # the searched values (other fields keep their defaults)
    metrics: dict[str, Any]
    fitness: float


@dataclass(frozen=True)
class SearchResult:
    """Every valid candidate in proposal order and the best one."""

    method: str
    objective: str
    seed: int | None
    candidates: list[Candidate]
    n_invalid: int
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> Candidate:
        """Highest fitness; ties go to the lower index."""
        return max(self.candidates, key=lambda c: (c.fitness, -c.index))

    def top(self, n: int) -> list[Candidate]:
        """The n best candidates, best first (ties by lower index)."""
        return sorted(self.candidates, key=lambda c: (-c.fitness, c.index))[:n]


def _evaluate(
    pool: EvaluationPool, batch: list[dict[str, Any]], objective: str, bars: BarRange
) -> list[tuple[dict, float]]:
    metrics = pool.evaluate(batch, bars) if batch else []
    return [(m, fitness(m, objective)) for m in metrics]


def grid_search(
    space: ParamSpace, pool: EvaluationPool, objective: str = "sharpe", bars: BarRange = None
) -> SearchResult:
    """Evaluate every valid combination of the space (lexicographic order) on the bar range."""
    check_objective(objective)
    valid = [p for p in space.grid() if space.validate(p) is not None]
    if not valid:
        raise SearchError(f"no combination of {space.names} is accepted by the Params model")
    scored = _evaluate(pool, valid, objective, bars)
    cands = [
        Candidate(i, 0, p, m, f) for i, (p, (m, f)) in enumerate(zip(valid, scored, strict=True))
    ]
    return SearchResult("grid", objective, None, cands, space.size - len(valid))


@dataclass(frozen=True)
class GeneticSettings:
    """Knobs of the genetic search (defaults suit small spaces)."""

    population: int = 20
    generations: int = 10  # total, the random initial population included
    elite: int = 2
    tournament: int = 3
    crossover: float = 0.9
    mutation: float | None = None  # per gene; None = 1 / n_dims

    def check(self) -> None:
        """Raise SearchError on impossible settings."""
        if self.population < 2 or self.generations < 1:
            raise SearchError("genetic search needs population >= 2 and generations >= 1")
        if not 0 <= self.elite < self.population or self.tournament < 1:
            raise SearchError("genetic search needs 0 <= elite < population and tournament >= 1")


def genetic_search(
    space: ParamSpace,
    pool: EvaluationPool,
    seed: int,
    objective: str = "sharpe",
    settings: GeneticSettings | None = None,
    bars: BarRange = None,
) -> SearchResult:
    """Seeded evolutionary search; same seed and space -> identical candidates and fitness."""
    check_objective(objective)
    cfg = settings or GeneticSettings()
    cfg.check()
    rng = np.random.default_rng(seed)
    shape = np.asarray(space.shape, dtype=np.int64)
    n_dims = len(shape)
    p_mut = cfg.mutation if cfg.mutation is not None else 1.0 / n_dims
    seen: dict[tuple[int, ...], Candidate | None] = {}
    cands: list[Candidate] = []
    n_invalid = 0
    pop = rng.integers(0, shape, size=(cfg.population, n_dims))
    for gen in range(cfg.generations):
        keys = [tuple(int(x) for x in row) for row in pop]
        fresh = list(dict.fromkeys(k for k in keys if k not in seen))
        batch: list[tuple[tuple[int, ...], dict[str, Any]]] = []
        for key in fresh:
            params = space.params_at(key)
            if space.validate(params) is None:
                seen[key] = None
                n_invalid += 1
            else:
                batch.append((key, params))
        for (key, params), (m, f) in zip(
            batch, _evaluate(pool, [p for _, p in batch], objective, bars), strict=True
        ):
            seen[key] = Candidate(len(cands), gen, params, m, f)
            cands.append(seen[key])
        fit = np.array([seen[k].fitness if seen[k] is not None else -math.inf for k in keys])
        if gen == cfg.generations - 1:
            break
        pop = _next_generation(rng, pop, fit, shape, cfg, p_mut)
    if not cands:
        raise SearchError(f"no candidate of {space.names} was accepted by the Params model")
    info = {"population": cfg.population, "generations": cfg.generations, "elite": cfg.elite}
    return SearchResult("genetic", objective, seed, cands, n_invalid, info)


def _next_generation(
    rng: np.random.Generator,
    pop: np.ndarray,
    fit: np.ndarray,
    shape: np.ndarray,
    cfg: GeneticSettings,
    p_mut: float,
) -> np.ndarray:
    """Elitism + tournament selection + uniform crossover + random-reset mutation."""
    n, n_dims = pop.shape
    order = np.argsort(-fit, kind="stable")
    children = [pop[i].copy() for i in order[: cfg.elite]]

    def tournament() -> np.ndarray:
        entrants = rng.integers(0, n, size=cfg.tournament)
        return pop[entrants[int(np.argmax(fit[entrants]))]]

    while len(children) < n:
        a, b = tournament(), tournament()
        child = np.where(rng.random(n_dims) < 0.5, a, b) if rng.random() < cfg.crossover else a
        child = child.copy()
        mutate = rng.random(n_dims) < p_mut
        child[mutate] = rng.integers(0, shape[mutate])
        children.append(child)
    return np.stack(children)
