"""kyvs: Know Your Vaccination Status."""

__version__ = "0.1.0"
