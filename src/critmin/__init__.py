"""critmin: critical-mineral supply-risk intelligence.

Layers (data flows one way): sources → store → catalog → indicators → methods →
analysis → views. See ``docs/`` and the project README.
"""

__version__ = "0.1.0"

METHOD_VERSION = f"critmin {__version__}; docs/methods.md"
"""The method version every result carries: the package version whose
``docs/methods.md`` states the formulas used."""
