"""Criticality methods composed from indicators (GeoPolRisk, METI six axes, ...)."""
