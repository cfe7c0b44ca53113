"""Wallboard tests reuse the console CTI fixtures: the demo database on both backends, a fake
Asterisk on loopback, and the console with CTI pointing at it."""

from tests.console_cti.conftest import (  # noqa: F401 - fixtures for this directory
    demo_engine,
    make_cti_app,
    pbx,
    pg_demo_template,
)
from tests.console_support import _deterministic  # noqa: F401 - the autouse fixture applies here
