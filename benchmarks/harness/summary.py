"""Median, quartiles, extremes and p99 of a sample."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Summary:
    """Order statistics of one sample. Quantiles use the inclusive method, as spreadsheets do."""

    count: int
    median: float
    q1: float
    q3: float
    p99: float
    minimum: float
    maximum: float

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    def to_dict(self) -> dict[str, float]:
        return {**asdict(self), "iqr": self.iqr}


def summarize(values: list[float]) -> Summary:
    """Summarize ``values``; raise ValueError when it is empty."""
    if not values:
        raise ValueError("cannot summarize an empty sample")
    if len(values) == 1:
        only = float(values[0])
        return Summary(1, only, only, only, only, only, only)

    quartiles = statistics.quantiles(values, n=4, method="inclusive")
    percentiles = statistics.quantiles(values, n=100, method="inclusive")
    return Summary(
        count=len(values),
        median=statistics.median(values),
        q1=quartiles[0],
        q3=quartiles[2],
        p99=percentiles[98],
        minimum=min(values),
        maximum=max(values),
    )
