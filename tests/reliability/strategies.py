"""Hypothesis strategies for hostile input: what an agent (or a paste) could put in a field.

Arbitrary Unicode (surrogates and NUL included), control characters, terminal escape sequences
(CSI colours, OSC 52 clipboard writes, OSC 8 links, bells), Rich/Textual markup, SQL fragments,
LIKE metacharacters and huge strings. ``COMMCENTRE_RELIABILITY_EXAMPLES`` raises the number of
examples per property (CI default: :data:`EXAMPLES`) and explores new random examples on every
run; without it the examples are the same on every run (derandomised), so CI is reproducible.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Examples per property in CI; the environment variable asks for more (a nightly or local run).
EXAMPLES = int(os.environ.get("COMMCENTRE_RELIABILITY_EXAMPLES") or 40)

settings.register_profile(
    "reliability",
    max_examples=EXAMPLES,
    derandomize=not os.environ.get("COMMCENTRE_RELIABILITY_EXAMPLES"),
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
FUZZ = settings.get_profile("reliability")
#: Fewer examples for properties that each drive a whole form or several statements.
FUZZ_SLOW = settings(FUZZ, max_examples=max(10, EXAMPLES // 2))

ESC = "\x1b"
ESCAPES = [
    "\x1b[31mred\x1b[0m",
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",  # OSC 52: write the agent's clipboard
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b]0;owned title\x07",  # window title
    "\x1b[2J\x1b[H",  # clear screen, home
    "\x1b[6n",  # cursor position report (answerback)
    "\x9b31m",  # 8-bit CSI
    "\x1bP+q544e\x1b\\",  # DCS request
    "\x07\x08\x7f",  # bell, backspace, delete
    "\r\n\t\x0b\x0c",
    "\u202eevil\u202c",  # right-to-left override
]
MARKUP = [
    "[bold red]",
    "[/]",
    "[link=https://evil.example]x[/link]",
    "[@click=app.quit]x[/]",
    "[reverse]",
    "\\[escaped]",
    "[b]unclosed",
    "[/bold red]",
    "$accent",
    "{x}",
]
SQL = [
    "'; DROP TABLE contact; --",
    '" OR 1=1 --',
    "' OR ''='",
    "%",
    "_",
    "%%",
    "\\",
    "\\%",
    "a%b",
    "a_b",
    "%_%",
    "1; SELECT pg_sleep(1)",
    "$$",
    "E'\\x00'",
    "/*",
    "*/",
    "\x00",
    "NULL",
    "null",
    "None",
    "\\N",
    "?",
    ":p0",
    "%(p0)s",
    '{fts}: "x"',
    '"',
    "''",
]
WEIRD = [
    "\x00",
    "\ud800",
    "\udfff",
    "\ufeff",
    "\u200b",
    "\u00a0",
    "\u3000",
    "ﬁ",
    "ß",
    "İ",
    "Ⅻ",
    "👩‍👩‍👧",
    "\U0010ffff",
    "\ufffd",
    "é",
    "e\u0301",
    "Σ",
    "\u0345",
]

#: Fragments that hostile text is made of.
fragments = st.one_of(
    st.sampled_from(ESCAPES + MARKUP + SQL + WEIRD),
    st.text(min_size=1, max_size=8),
    st.characters(codec=None, min_codepoint=0, max_codepoint=0x9F).map(str),
)

#: What no database column can hold, or a screen can show: NUL, unpaired surrogates, a paste
#: of many kilobytes, a bare escape.
killers = st.sampled_from(
    ["\x00", "a\x00b", "\ud800", "x\udfffy", "\x1b", "\x1b]52;c;YQ==\x07", "Z" * 10_001, "é" * 5000]
)

#: Any text at all: arbitrary Unicode mixed with escapes, markup and SQL fragments.
hostile_text = st.one_of(
    killers,
    st.sampled_from(ESCAPES + MARKUP + SQL + WEIRD),
    st.lists(fragments, min_size=1, max_size=6).map("".join),
    st.text(max_size=40),
    st.builds(
        lambda a, b: a * b,
        st.sampled_from(["x", "é", "%", "\x1b[", "'"]),
        st.integers(min_value=200, max_value=12000),
    ),
)

#: Text an agent could sensibly type into a name field: visible characters, not blank.
printable_text = st.text(
    alphabet=st.characters(categories=["L", "M", "N", "P", "S", "Zs"], exclude_characters="\x00"),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() != "")

#: Names that display something dangerous if interpreted: escapes and markup within letters.
dangerous_names = st.builds(
    lambda a, danger, b: f"{a}{danger}{b}",
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6),
    st.sampled_from(ESCAPES + MARKUP),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6),
)

#: Values for date/time fields: valid, out of range, and nonsense.
hostile_dates = st.one_of(
    hostile_text,
    st.sampled_from(
        [
            "2026-13-45",
            "0000-00-00",
            "0001-01-01",
            "9999-12-31",
            "9999-12-31 23:59",
            "2026-02-30",
            "2999-01-01 10:00",
            "1970-01-01T00:00:00Z",
            "tomorrow",
            "-1",
            "2026-06-15 25:61",
            "20260615",
            "1e10",
            "2026-06-15 10:00+14:00",
            "2026-06-15 10:00:00.9999999999",
        ]
    ),
)

#: Values for money and whole-number fields: valid, signed, huge, special and nonsense.
hostile_numbers = st.one_of(
    hostile_text,
    st.sampled_from(
        [
            "NaN",
            "nan",
            "Infinity",
            "-Infinity",
            "inf",
            "1e999999",
            "-0",
            "0",
            "0.00",
            "0.001",
            "-5",
            "1,000.00",
            "1 000",
            "99999999999999999999",
            "9223372036854775808",
            "2147483648",
            "12.5.5",
            "٣",
            "１２",
            "1_000",
            "+7",
            "0x10",
            "1e3",
            "12.50",
            "10",
            "3",
        ]
    ),
)


def one_sentence(message: str) -> bool:
    """What an agent may be shown: one line ending with a full stop, inert, short, no traceback."""
    return (
        bool(message.strip())
        and message == message.strip()
        and message.endswith(".")
        and not any(ch in message for ch in "\n\r\x00" + ESC)
        and not any(word in message for word in TRACE_WORDS)
        and len(message) <= 500
    )


#: Text that only a leaked exception would show.
TRACE_WORDS = (
    "Traceback",
    'File "',
    "sqlalchemy",
    "psycopg",
    "pydantic",
    "errors.pydantic.dev",
    "[SQL:",
    "Background on this error",
)
