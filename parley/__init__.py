"""Parley: an anonymizing buyer-seller messaging relay."""

__version__ = "0.1.0"
