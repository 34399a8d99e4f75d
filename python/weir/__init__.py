"""Weir: a stateful stream processor with PyFlink's DataStream API.

Port a PyFlink program by changing ``pyflink`` to ``weir`` in its imports. The engine is C++; Python
functions run in the process of the task that calls them.
"""

from weir.version import __version__

__all__ = ["__version__"]
