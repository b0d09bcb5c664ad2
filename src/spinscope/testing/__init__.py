"""Closed forms and helpers that users may reuse in their own tests (analytic limits, reference values)."""
