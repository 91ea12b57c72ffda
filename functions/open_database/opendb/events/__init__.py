"""Parsing of trigger payloads into notices, with one module per trigger form."""

from __future__ import annotations

from .parse import parse_event

__all__ = ["parse_event"]
