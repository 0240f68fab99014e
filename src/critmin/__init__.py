"""critmin: critical-mineral supply-risk intelligence.

Layers (data flows one way): sources → store → catalog → indicators → methods →
analysis → views. See ``docs/`` and the project README.
"""

__version__ = "0.1.0"
