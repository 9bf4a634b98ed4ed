"""The relational core every engine shares (fitted once, writes the manifest).

specs.py (KeyKind, KeySpec, TablePlan) · table.py (a table's column layout and relational
facts, CountSpec) · cardinality.py (context choice, child counts, in-degree quotas, forests)
· matching.py · traits.py (family donors) · families.py (family classes) · copies.py · dependencies.py · reference.py (copied
and dealt tables) · sources.py (source cleaning) · fit.py (the fitter) · model.py (save/load)
· generator.py (the table-generator protocol) · options.py (FitOptions, SampleOptions).
"""
