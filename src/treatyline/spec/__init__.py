"""The treaty language: models, vocabulary, loading with positions."""

from .load import load_treaty, treaty_from_data
from .model import Treaty

__all__ = ["Treaty", "load_treaty", "treaty_from_data"]
