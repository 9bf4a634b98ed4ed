"""Typed specs of the relational core: how each key column set is filled, and a table's plan.

Key kinds are an enum whose values are the strings saved models hold, so a manifest
written before the enum loads unchanged (`KeySpec(**saved)` turns the text into the kind).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dbsynth.relational.generator import TableGenerator
    from dbsynth.relational.table import TableModel


class KeyKind(enum.StrEnum):
    """How the sampler fills a key column set (a StrEnum: `spec.kind == "fk"` still holds)."""

    PK_INT = "pk_int"  # integers counting from 1 (or the target's max + 1 when appending)
    PATTERN = "pattern"  # strings in the source keys' shape, date sequences, short codes
    UUID = "uuid"  # from the seeded RNG
    CONTEXT = "context"  # the FK the table is generated under (its parent row's key)
    FK = "fk"  # a non-context FK: dealt by the referred rows' in-degree quotas
    SELF = "self"  # a self-reference: forests with the source's depth and fan-out
    DEFERRED = "deferred"  # a cycle FK filled once the batch's rows of the cycle exist
    COPY = "copy"  # a copied reference table's own key
    ALSO = "also"  # another parent the same columns refer to (keys drawn from those all hold)


@dataclass
class KeySpec:
    """How the sampler fills a key column set of one table."""

    kind: KeyKind
    columns: list[str]
    referred_table: str | None = None
    referred_columns: list[str] = field(default_factory=list)
    null_rate: float = 0.0
    grid: list[float] = field(default_factory=list)  # in-degree quantiles (fk) / fan-out (self)
    depth_p: list[float] = field(default_factory=list)
    unique: bool = False  # each referred row used at most once
    grouped_unique: bool = False  # distinct within each context parent (link tables)
    pattern: dict[str, Any] = field(default_factory=dict)
    max_length: int | None = None
    # attribute-aware matching of a non-context FK: the parent score feature it follows and
    # the regression of that feature on the child's own scores (R² of it)
    match_feature: int | None = None
    match_beta: list[float] = field(default_factory=list)
    match_r2: float = 0.0
    # other parents the same columns refer to ([table, [columns]]): keys are drawn from those all hold
    also: list[list[Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.kind = KeyKind(self.kind)  # saved manifests hold the text


@dataclass
class TablePlan:
    """Everything the sampler needs for one table: its layout, keys and its table generator."""

    name: str
    model: "TableModel"
    context: KeySpec | None
    keys: list[KeySpec]
    unique_sets: list[list[str]]
    copy_rows: list[dict[str, Any]] | None = None
    row_pool: dict[str, Any] | None = None  # tiny tables: whole source rows of the non-personal columns
    category_fks: list[str] = field(default_factory=list)  # FK columns into copied tables, drawn as categories
    pooled_fks: dict[str, str] = field(default_factory=dict)  # of those, into tiny dealt tables: {column: parent}
    generator: "TableGenerator | None" = None  # draws the modelled columns (None: a copied table)
