"""Allocation schemes, one module each, behind one registry."""
