"""No binary float on a money path: the finance modules never call ``float(`` nor write a float literal."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "commcentre_tui"
MONEY_MODULES = [
    "services/money.py",
    "services/accounts.py",
    "services/subscriptions.py",
    "services/billing.py",
    "services/payments.py",
    "services/ledger.py",
    "services/vouchers.py",
    "services/voucher_secret.py",
    "services/rewards.py",
    "repo/finance_queries.py",
    "repo/voucher_reward_queries.py",
    "repo/billing_queries.py",
    "models/finance.py",
    "models/billing.py",
    "models/types.py",
]


def float_uses(source: str) -> list[str]:
    """``float(…)`` calls and float literals (``1.5``, ``1e3``, ``.5``) in ``source``'s code."""
    found: list[str] = []
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for i, tok in enumerate(tokens):
        text = tok.string.lower()
        if (
            tok.type == tokenize.NUMBER
            and not text.startswith(("0x", "0o", "0b"))
            and (any(c in text for c in ".e") or text.endswith("j"))
        ):
            found.append(f"line {tok.start[0]}: float literal {tok.string}")
        if tok.type == tokenize.NAME and tok.string == "float":
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is not None and nxt.string == "(":
                found.append(f"line {tok.start[0]}: float(...) call")
    return found


def test_the_detector_catches_floats() -> None:
    assert float_uses("x = float(y)\nz = 0.19\nw = 1e3\n") == [
        "line 1: float(...) call",
        "line 2: float literal 0.19",
        "line 3: float literal 1e3",
    ]
    assert float_uses('rate = Decimal("0.19")\nif isinstance(v, float):\n    pass\n# 1.5\n') == []


@pytest.mark.parametrize("module", MONEY_MODULES)
def test_no_float_on_money_paths(module: str) -> None:
    path = PACKAGE / module
    assert path.exists(), module
    assert float_uses(path.read_text(encoding="utf-8")) == []
