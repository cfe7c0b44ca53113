"""Tests of the finance, billing, voucher and rewards services (issue 6)."""
