"""Analyses composed from indicators and methods."""
