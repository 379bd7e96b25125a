"""kftest: a declarative compiler for Prow + Argo end-to-end test workflows.

The data path, one module (or package) per stage::

    config -> select -> evaluate -> validate + rules -> emit -> submit -> report

Imports flow one way: ``cli`` -> ``commands`` -> stages -> core types
(``diagnostics``, ``model``, ``paths``).
"""

__version__ = "0.1.0"
