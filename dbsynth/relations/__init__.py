"""Exact arithmetic relations between columns, found at fit and held in the output.

`detect.find_relations` finds them in the source frames (every source row
must satisfy them); `apply` sets the derived values on synthetic rows: a row
expression as each row is drawn, a parent's aggregate once its children exist.
The fitted model keeps them as a list of `Relation` (``model.relations``).
"""
from dbsynth.relations.model import Relation

__all__ = ["Relation"]
