"""Customer search over SQLite and PostgreSQL: Quick Search, Advanced Search and Latest
Communications.

Import what you use from its module (this package imports nothing, so reading the field
declarations stays cheap):

* :mod:`.api` — ``search_contacts``, ``count_matches``, ``latest_communications`` and their
  result types: the functions the rest of the product calls;
* :mod:`.parse` — input → predicates (field checks, Like rules, normalisation, "Any" routing);
* :mod:`.sql` — SQL fragments per backend; :mod:`.index` — the indexes and bulk-load hooks;
* :mod:`.run` — one parsed search on a connection (shared helpers and estimates);
  :mod:`.plan` — the planner, with :mod:`.sample` and :mod:`.split`; :mod:`.count` — totals.

Dependencies point one way: parse → sql (+ index) → run → sample, split → plan → count → api.
"""
