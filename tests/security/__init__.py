"""Tests of agents, roles and access levels, presence, the audit trail and serve-ssh (issue 9)."""
