"""Reliability scenario drivers (issue #10), shared by ``tests/reliability`` and
``commcentre bench --reliability``.

* :mod:`.concurrent` — 20 simulated agents working the same 100 customers at once;
* :mod:`.worker_kill` — the delivery worker SIGKILLed at random points of a batch, restarted;
* :mod:`.upgrade` — a database of the previous release upgraded to head with its data intact;
* :mod:`.sink` — a loopback SMTP server that records what arrived.

Each driver returns a report whose ``violations`` lists every broken guarantee in one sentence
each (empty when all hold). Sizes come from the environment so CI can run them short:
``COMMCENTRE_RELIABILITY_SECONDS`` (concurrent agents) and ``COMMCENTRE_RELIABILITY_MESSAGES``
(worker kills). No Textual imports here.
"""

from __future__ import annotations

import os

SECONDS_ENV = "COMMCENTRE_RELIABILITY_SECONDS"
MESSAGES_ENV = "COMMCENTRE_RELIABILITY_MESSAGES"
SEED_ENV = "COMMCENTRE_RELIABILITY_SEED"


def env_number(name: str, default: float) -> float:
    """``name`` from the environment as a positive number, else ``default``."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default
