"""Random draws from the standard library: a stream per concern, Poisson counts, weighted picks."""

from __future__ import annotations

import math
import random


def _poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw from stdlib randomness (Knuth for small means, normal otherwise)."""
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _weighted(rng: random.Random, items: list, weights: list[float]):
    return rng.choices(items, weights=weights, k=1)[0]


def _rng(seed: int, topic: str) -> random.Random:
    """An independent stream per concern, so adding draws to one does not reshuffle others."""
    return random.Random(f"{seed}:{topic}")
