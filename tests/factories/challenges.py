"""Solving kyvs's proof-of-work challenges as a client does (ALTCHA's format)."""

from __future__ import annotations

from kyvs.adapters.proof_of_work import solve_challenge

__all__ = ["solve_challenge"]
