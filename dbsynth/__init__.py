"""dbsynth: learn a production schema, seed staging with synthetic rows."""
__version__ = "0.1.0"
