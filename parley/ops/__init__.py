"""Operator use cases: history and dispute export, reconcile and redrive."""
