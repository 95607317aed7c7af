"""Yunying (运营中台): the operations platform for a chain's operations center."""

__version__ = "0.1.0"
