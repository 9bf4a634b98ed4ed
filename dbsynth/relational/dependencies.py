"""Functional dependencies between a table's categorical columns (city → country).

Found on the fitted scores, kept exactly when sampling: the trees draw coarse
columns first and restrict fine ones to the combinations the source has; a
NULL fine value (a customer without a region) constrains nothing beyond the
coarse values seen with it. Forced columns (copied from the parent, family
traits) force what they determine.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dbsynth.transform.columns import CategoricalTransform, codes_from_scores

Dependency = tuple[str, str, list[int], list[int]]


def close_forced(forced: dict[str, np.ndarray], dependencies: list[Dependency]) -> dict[str, np.ndarray]:
    """Force each coarse column its forced fine column determines (a family's ship name fixes its city).

    -1 marks rows left to the model: a NULL fine value, or a row the fine column does not force.
    """
    out = dict(forced)
    for _ in range(len(dependencies)):  # chains fine → mid → coarse settle in as many passes
        changed = False
        for fine, coarse, mapping, _nulls in dependencies:
            if fine not in out or coarse in forced:
                continue
            m = np.asarray(mapping, dtype=int)
            fine_codes = np.asarray(out[fine], dtype=int)
            implied = np.where(fine_codes >= 0, m[np.clip(fine_codes, 0, len(m) - 1)], -1)
            prev = out.get(coarse)
            new = implied if prev is None else np.where(prev >= 0, prev, implied)
            if prev is None or not np.array_equal(prev, new):
                out[coarse], changed = new, True
        if not changed:
            break
    return out


def compatible(mapping: list[int], nulls: list[int], n_coarse: int) -> np.ndarray:
    """(fine categories, coarse categories): which pairs the source has."""
    m = np.asarray(mapping, dtype=int)
    out = np.zeros((len(m), max(n_coarse, int(m.max(initial=0)) + 1)), dtype=bool)
    out[np.flatnonzero(m >= 0), m[m >= 0]] = True
    if nulls:
        out[np.ix_(np.flatnonzero(m < 0), np.asarray(nulls, dtype=int))] = True
    return out


ANY = -1  # the mapping of a NULL fine value: the coarse values seen with it are listed apart
MIN_DEPENDENCY_SUPPORT = 1.5  # rows per non-NULL fine category: below, "determines" is chance


def find_dependencies(transforms: list[Any], own: np.ndarray, slices: dict[str, slice]) -> list[Dependency]:
    """Pairs fine → coarse where every non-NULL fine category has exactly one coarse category.

    A NULL fine value constrains nothing: most customers have no region, but
    a region, when there is one, has one country.
    """
    sl = slices
    cats = [t for t in transforms if isinstance(t, CategoricalTransform) and len(t.categories) > 1]
    cats.sort(key=lambda t: (-len(t.categories), t.column))
    codes = {t.column: codes_from_scores(own[:, sl[t.column].start], t.cdf) for t in cats}
    found: list[Dependency] = []
    for fine in cats:
        for coarse in cats:
            if coarse is fine or any(f == coarse.column and c == fine.column for f, c, *_ in found):
                continue  # one-to-one pairs keep one direction: the finer (more categories) first
            dep = _one_to_one(codes[fine.column], codes[coarse.column], fine)
            if dep is not None:
                found.append((fine.column, coarse.column, *dep))
    return found


def _one_to_one(fine: np.ndarray, coarse: np.ndarray,
                t: CategoricalTransform) -> tuple[list[int], list[int]] | None:
    null = [i for i, c in enumerate(t.categories) if c is None]
    present = ~np.isin(fine, null)
    if present.sum() < MIN_DEPENDENCY_SUPPORT * max(len(np.unique(fine[present])), 1):
        return None
    width = int(coarse.max(initial=0)) + 1
    joint = np.unique(fine[present].astype(np.int64) * width + coarse[present])  # 1-D: far faster than axis=0
    pairs = np.stack([joint // width, joint % width], axis=1)
    if len(pairs) == 0 or len(np.unique(pairs[:, 0])) != len(pairs):
        return None
    if len(pairs) == 1 and not null:
        return None  # a single fine category is no dependency
    mapping = np.full(len(t.categories), ANY, dtype=int)
    mapping[pairs[:, 0]] = pairs[:, 1]
    return mapping.tolist(), sorted(set(coarse[~present].tolist()))


def coarse_first(cats: list[CategoricalTransform],
                  dependencies: list[Dependency]) -> list[CategoricalTransform]:
    """Fewer categories first, but a coarse column always before the columns that determine it."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(t.column for t in cats)
    graph.add_edges_from((coarse, fine) for fine, coarse, *_ in dependencies
                         if coarse in graph and fine in graph)
    by_name = {t.column: t for t in cats}
    if not nx.is_directed_acyclic_graph(graph):  # cannot happen with one direction per pair; be safe
        return sorted(cats, key=lambda t: (len(t.categories), t.column))
    order = nx.lexicographical_topological_sort(graph, key=lambda c: f"{len(by_name[c].categories):09d}{c}")
    return [by_name[c] for c in order]
