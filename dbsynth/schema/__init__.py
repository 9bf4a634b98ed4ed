"""Schema model, JSON round trip and FK graph / load plan."""
from dbsynth.schema.model import (
    CheckConstraint, Column, ExclusionConstraint, ForeignKey, Index, LogicalType, PrimaryKey, Schema, Table,
    TableKind, Trigger, UniqueConstraint,
)

__all__ = [
    "CheckConstraint", "Column", "ExclusionConstraint", "ForeignKey", "Index", "LogicalType", "PrimaryKey", "Schema",
    "Table", "TableKind", "Trigger", "UniqueConstraint",
]
