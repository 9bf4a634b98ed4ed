"""Profiling: one semantic type per column (keys, categories, numbers, dates, PII, free text)."""
from dbsynth.profile.detect import VALID_OVERRIDES, parse_overrides, profile_schema, profile_table
from dbsynth.profile.pii import pii_kind_from_name, pii_kind_from_values
from dbsynth.profile.types import ColumnProfile, PiiKind, SemanticType, TableProfile

__all__ = [
    "VALID_OVERRIDES", "ColumnProfile", "PiiKind", "SemanticType", "TableProfile", "parse_overrides",
    "pii_kind_from_name", "pii_kind_from_values", "profile_schema", "profile_table",
]
