"""Benchmarks for ``commcentre bench``: a registry of cases (:mod:`.registry`), a runner
(:mod:`.runner`) and one module per area with its cases (e.g. :mod:`.search`)."""

from commcentre_tui.bench.registry import (
    REGISTRY,
    BenchContext,
    Rate,
    Samples,
    Timed,
    case,
)

__all__ = ["REGISTRY", "BenchContext", "Rate", "Samples", "Timed", "case"]
