"""AMELIE case simulations as an LTI 1.3 tool.

This module stays import-light on purpose: importing ``lti_tool.simulation``
must not pull in Flask. The application factory lives in ``lti_tool.app``.
"""

__version__ = "0.1.0"
