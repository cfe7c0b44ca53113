"""Seeding: the deterministic demo data set and bulk synthetic data at scale.

``demo.seed_demo`` loads the demo customers and agents; ``bulk.seed_bulk`` appends N synthetic
contacts with proportional related rows. Both use ``generate`` (pure row generation from the
pools in ``pools``, with ``finance`` and ``care`` rows) and insert through the raw driver.
"""
