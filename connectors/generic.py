"""Any other SQLAlchemy dialect: Inspector reflection and plain chunked SELECTs, nothing assumed."""
from __future__ import annotations

from typing import ClassVar

from connectors.base import Capabilities, register
from connectors.sqla import SqlaConnector


@register("generic")
class GenericConnector(SqlaConnector):
    """Conservative capabilities: the loader falls back to portable SQL for these databases."""

    dialect: ClassVar[str] = "generic"
    capabilities: ClassVar[Capabilities] = Capabilities(max_identifier_length=30, max_bind_params=999)

    def _schema_dialect(self) -> str:
        return str(self.engine.dialect.name)  # "mysql", "duckdb"…: type_sql is in that dialect
