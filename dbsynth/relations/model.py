"""The typed form of a kept relation (what the model file, inspect and the report show)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

AGGREGATES = ("count", "sum", "min", "max")
ROW_OPS = {"add": "{a} + {b}", "sub": "{a} - {b}", "mul": "{a} * {b}", "mul_one_minus": "{a} * (1 - {b})"}


@dataclass(frozen=True)
class Relation:
    """`table.column` equals an expression of other columns, in every source row.

    kind "aggregate": an aggregate (`op` in AGGREGATES) over the rows of `child`
    whose `fk` columns point at the row's `referred` key, of the product of
    `inputs` (child columns; none for count). kind "row": `op` in ROW_OPS over
    `inputs` (a, b) of the same row. kind "sequence": `start`, `start`+1, … within
    each group of equal `inputs` (an order's line numbers, op "number").
    `decimals`: the scale values are rounded to.
    """

    kind: str
    table: str
    column: str
    op: str
    inputs: tuple[str, ...] = ()
    child: str | None = None
    fk: tuple[str, ...] = ()
    referred: tuple[str, ...] = ()
    decimals: int | None = None
    start: int = 1  # sequence: the first number of each group

    def text(self) -> str:
        """e.g. "Invoice.Total = sum(InvoiceLine.UnitPrice * InvoiceLine.Quantity)"."""
        if self.kind == "aggregate":
            inner = " * ".join(f"{self.child}.{c}" for c in self.inputs) or f"{self.child} rows"
            return f"{self.table}.{self.column} = {self.op}({inner})"
        if self.kind == "sequence":
            group = ", ".join(self.inputs)
            return f"{self.table}.{self.column} = {self.start}, {self.start + 1}, … within each ({group})"
        a, b = self.inputs
        return f"{self.table}.{self.column} = " + ROW_OPS[self.op].format(a=a, b=b)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Relation":
        return cls(kind=data["kind"], table=data["table"], column=data["column"], op=data["op"],
                   inputs=tuple(data.get("inputs", ())), child=data.get("child"), fk=tuple(data.get("fk", ())),
                   referred=tuple(data.get("referred", ())), decimals=data.get("decimals"),
                   start=int(data.get("start", 1)))
