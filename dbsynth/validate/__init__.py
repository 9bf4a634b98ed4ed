"""Validate synthetic rows before load: PK, UNIQUE, NOT NULL, FK, CHECK and type bounds.

Pure rules live in `checks` (and `checks_sql` for CHECK expressions, run with
DuckDB); `runner.Validator` streams chunks in load order, keeps key state,
repairs by resampling and drops what still fails.
"""
from dbsynth.validate.checks import KeySet, Keys, RuleResult, Violation
from dbsynth.validate.checks_sql import CompiledCheck, UncheckedConstraint, compile_check
from dbsynth.validate.runner import ChunkResult, ValidationSummary, Validator

__all__ = ["ChunkResult", "CompiledCheck", "KeySet", "Keys", "RuleResult", "UncheckedConstraint",
           "ValidationSummary", "Validator", "Violation", "compile_check"]
