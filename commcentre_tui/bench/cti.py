"""CTI benchmark: ``cti.ring_to_lookup`` — ringing bytes on the AMI socket to the caller found."""

from __future__ import annotations

from typing import Any

from commcentre_tui.bench.registry import BenchContext, case


@case("cti.ring_to_lookup", "Ringing event on a loopback AMI socket to lookup_caller finished")
def ring_to_lookup(ctx: BenchContext) -> dict[str, Any]:
    from commcentre_tui.cti.measure import measure_ring_to_lookup

    row = measure_ring_to_lookup(ctx.engine, ctx.settings, n=min(ctx.repeat, 200))
    return {**row, "contacts": ctx.contacts}
