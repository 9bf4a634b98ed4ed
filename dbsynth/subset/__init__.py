"""`dbsynth subset`: a referentially complete slice of real rows, masked (issue 15, part 1).

where.py parses and checks the user's `--where` conditions, closure.py selects
the rows (start rows, their parents, their children) to a fixpoint, mask.py
replaces PII and free text deterministically, run.py wires them to the loader.
"""
from dbsynth.subset.run import SubsetResult, subset

__all__ = ["SubsetResult", "subset"]
