"""Generators of scalar PostgreSQL types: interval, money, inet/cidr, macaddr, bit/varbit, bytea,
uuid, point, tsvector and the range types (pgranges.py). Each learns the source's distributions
and draws text literals the target parses (bytes for bytea)."""
from __future__ import annotations

import ipaddress
import re
from typing import Any

import numpy as np
import pandas as pd

from dbsynth.schema.model import Column
from dbsynth.transform import valuetree
from dbsynth.transform.dists import draw_categories, draw_numbers, granularity, learn_categories, learn_numbers
from dbsynth.transform.pgranges import RANGE_TYPES, draw_ranges, learn_ranges
from dbsynth.transform.typegen import base_type, norm, numbers_share, register


_INTERVAL_STEPS = (86400.0, 3600.0, 60.0, 1.0, 1e-6)


@register("interval")
class _Interval:
    """Durations from the source's distribution and granularity, as `N days S seconds`."""

    @staticmethod
    def fit(values: list[Any], col: Column) -> dict[str, Any] | None:
        secs = [_interval_seconds(v) for v in values]
        x = np.asarray([s for s in secs if s is not None], dtype=float)
        if values and len(x) < 0.9 * len(values):
            return None
        return {"secs": learn_numbers(x), "step": granularity(x, _INTERVAL_STEPS) if len(x) else 1.0}

    @staticmethod
    def draw(params: dict[str, Any], n: int, rng: np.random.Generator) -> list[Any]:
        step = params["step"]
        x = np.round(draw_numbers(params["secs"], n, rng, default=3600.0) / step) * step
        return [_interval_text(s) for s in x]


def _interval_seconds(v: Any) -> float | None:
    if isinstance(v, pd.Timedelta) or hasattr(v, "total_seconds"):
        return float(v.total_seconds())
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(pd.Timedelta(str(v)).total_seconds())
    except ValueError:
        return None


def _interval_text(secs: float) -> str:
    sign = "-" if secs < 0 else ""
    days, rest = divmod(abs(secs), 86400.0)
    rest_text = f"{rest:.6f}".rstrip("0").rstrip(".")
    return f"{sign}{int(days)} days {sign}{rest_text} seconds"


_NUMBER = re.compile(r"[^0-9.\-]")


@register("money")
class _Money:
    """Amounts from the source's distribution, written as plain numbers (any lc_monetary)."""

    @staticmethod
    def fit(values: list[Any], col: Column) -> dict[str, Any] | None:
        if numbers_share(values) > 0.1:  # a SQLite MONEY column holding numbers: modelled as numbers
            return None
        amounts = [a for a in (_amount(v) for v in values) if a is not None]
        return {"amounts": learn_numbers(amounts)}

    @staticmethod
    def draw(params: dict[str, Any], n: int, rng: np.random.Generator) -> list[Any]:
        return [f"{x:.2f}" for x in draw_numbers(params["amounts"], n, rng, default=1.0)]


def _amount(v: Any) -> float | None:
    if isinstance(v, (int, float)):
        return float(v)
    text = str(v).strip()
    negative = text.startswith("(") or text.startswith("-")
    try:
        value = float(_NUMBER.sub("", text.replace(",", "")).lstrip("-"))
    except ValueError:
        return None
    return -value if negative else value


@register("inet", aliases=("cidr",))
class _Inet:
    """Addresses of the source's families, networks (/16, /32 for v6) and prefix lengths.

    cidr values come back as networks (host bits zero); inet values as addresses,
    with their prefix length when the source had one.
    """

    @staticmethod
    def fit(values: list[Any], col: Column) -> dict[str, Any] | None:
        nets = [_network(v) for v in values]
        nets = [x for x in nets if x is not None]
        if values and len(nets) < 0.9 * len(values):
            return None
        fams = {}
        for version, wide in ((4, 16), (6, 32)):
            mine = [x for x in nets if x.version == version]
            if mine:
                fams[str(version)] = {
                    "share": len(mine) / len(nets),
                    "prefix": learn_numbers([x.prefixlen for x in mine], integer=True),
                    "nets": learn_categories([str(_widen(x, wide)) for x in mine], min_repeats=1)}
        return {"families": fams, "cidr": base_type(col) == "cidr"}

    @staticmethod
    def draw(params: dict[str, Any], n: int, rng: np.random.Generator) -> list[Any]:
        fams = params["families"] or {"4": {"share": 1.0, "prefix": {}, "nets": {"values": ["10.0.0.0/16"],
                                                                                  "p": [1.0]}}}
        keys = list(fams)
        picks = rng.choice(len(keys), size=n, p=norm([fams[k]["share"] for k in keys]))
        out: list[Any] = [None] * n
        for i, key in enumerate(keys):
            rows = np.flatnonzero(picks == i)
            for r, v in zip(rows, _addresses(fams[key], params["cidr"], len(rows), rng)):
                out[r] = v
        return out


def _network(v: Any) -> Any:
    try:  # psycopg gives IPv4Address, IPv4Interface or IPv4Network; SQLite gives text
        return ipaddress.ip_interface(str(v).strip()).network
    except ValueError:
        return None


def _widen(net: Any, prefix: int) -> Any:
    return net.supernet(new_prefix=prefix) if net.prefixlen > prefix else net


def _addresses(fam: dict[str, Any], cidr: bool, n: int, rng: np.random.Generator) -> list[str]:
    bases = [ipaddress.ip_network(b) for b in draw_categories(fam["nets"], n, rng)]
    width = bases[0].max_prefixlen if bases else 32
    prefixes = draw_numbers(fam["prefix"], n, rng, default=width) if fam["prefix"] else np.full(n, width)
    hosts = rng.random(size=n)
    out = []
    for base, prefix, u in zip(bases, np.clip(prefixes, 0, width).astype(int), hosts):
        addr = ipaddress.ip_address(int(base.network_address) + int(u * 2 ** (width - base.prefixlen)))
        if cidr:
            out.append(str(ipaddress.ip_network((addr, int(prefix)), strict=False)))
        else:
            out.append(str(addr) if prefix == width else f"{addr}/{prefix}")
    return out


@register("macaddr", aliases=("macaddr8",))
class _Mac:
    """Random device parts under the source's vendor prefixes (OUI, first 3 bytes)."""

    @staticmethod
    def fit(values: list[Any], col: Column) -> dict[str, Any] | None:
        hexes = [re.sub(r"[^0-9a-f]", "", str(v).lower()) for v in values]
        size = 8 if base_type(col) == "macaddr8" else 6
        ouis = learn_categories([h[:6] for h in hexes if len(h) == 2 * size], min_repeats=1)
        return {"size": size, "ouis": ouis}

    @staticmethod
    def draw(params: dict[str, Any], n: int, rng: np.random.Generator) -> list[Any]:
        ouis = draw_categories(params["ouis"], n, rng) if params["ouis"] else ["08002b"] * n
        tail = rng.integers(0, 256, size=(n, params["size"] - 3))
        out = []
        for oui, rest in zip(ouis, tail):
            h = oui + "".join(f"{b:02x}" for b in rest)
            out.append(":".join(h[i:i + 2] for i in range(0, len(h), 2)))
        return out


@register("bit", aliases=("bit varying", "varbit"))
class _Bits:
    """Bit strings: the declared (or observed) length and each position's share of ones."""

    @staticmethod
    def fit(values: list[Any], col: Column) -> dict[str, Any] | None:
        if numbers_share(values) > 0.1:  # MySQL / SQLite BIT holding 0 and 1: modelled as numbers
            return None
        bits = [str(v) for v in values if set(str(v)) <= {"0", "1"}]
        fixed = base_type(col) == "bit"
        lengths = [len(b) for b in bits] or [col.length or 1]
        width = max(lengths)
        ones = [float(np.mean([b[i] == "1" for b in bits if len(b) > i])) if bits else 0.5
                for i in range(min(width, 64))]
        return {"fixed": fixed, "lengths": learn_numbers(lengths, integer=True), "ones": ones,
                "width": col.length if fixed and col.length else width}

    @staticmethod
    def draw(params: dict[str, Any], n: int, rng: np.random.Generator) -> list[Any]:
        ones = np.asarray(params["ones"] or [0.5], dtype=float)
        if params["fixed"]:
            lengths = np.full(n, params["width"])
        else:
            lengths = np.clip(draw_numbers(params["lengths"], n, rng, default=1), 0, params["width"]).astype(int)
        out = []
        for length in lengths:
            p = np.resize(ones, int(length))  # positions beyond 64 repeat the learned shares
            out.append("".join("1" if u < q else "0" for u, q in zip(rng.uniform(size=int(length)), p)))
        return out


@register("bytea")
class _Bytes:
    """Random bytes of the source's lengths (a BLOB holding text stays text)."""

    @staticmethod
    def fit(values: list[Any], col: Column) -> dict[str, Any] | None:
        blobs = [bytes(v) for v in values if isinstance(v, (bytes, bytearray, memoryview))]
        if values and len(blobs) < 0.9 * len(values):
            return None
        return {"lengths": learn_numbers([len(b) for b in blobs], integer=True)}

    @staticmethod
    def draw(params: dict[str, Any], n: int, rng: np.random.Generator) -> list[Any]:
        lengths = np.clip(draw_numbers(params["lengths"], n, rng, default=16), 0, None).astype(int)
        return [rng.integers(0, 256, size=int(k), dtype=np.uint8).tobytes() for k in lengths]


@register("uuid")
class _Uuid:
    """Random version-4 UUIDs from the seeded generator."""

    @staticmethod
    def fit(values: list[Any], col: Column) -> dict[str, Any] | None:
        return {}

    @staticmethod
    def draw(params: dict[str, Any], n: int, rng: np.random.Generator) -> list[Any]:
        import uuid
        raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
        return [str(uuid.UUID(bytes=r.tobytes(), version=4)) for r in raw]


_POINT = re.compile(r"^\s*\(?\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\)?\s*$")


@register("point")
class _Point:
    """Points from each coordinate's distribution, as `(x,y)`."""

    @staticmethod
    def fit(values: list[Any], col: Column) -> dict[str, Any] | None:
        pairs = [m.groups() for m in (_POINT.match(str(v)) for v in values) if m]
        xs, ys = [float(a) for a, _ in pairs], [float(b) for _, b in pairs]
        return {"x": learn_numbers(xs), "y": learn_numbers(ys)}

    @staticmethod
    def draw(params: dict[str, Any], n: int, rng: np.random.Generator) -> list[Any]:
        xs, ys = draw_numbers(params["x"], n, rng), draw_numbers(params["y"], n, rng)
        return [f"({x:.6g},{y:.6g})" for x, y in zip(xs, ys)]


_LEXEME = re.compile(r"'((?:[^']|'')*)'")


@register("tsvector")
class _TsVector:
    """Documents of the source's lexeme counts drawn from its shared vocabulary (lexemes seen
    in at least two rows), as tsvector text with positions."""

    @staticmethod
    def fit(values: list[Any], col: Column) -> dict[str, Any] | None:
        docs = [[m.replace("''", "'") for m in _LEXEME.findall(str(v))] for v in values]
        vocab = learn_categories([lex for d in docs for lex in set(d)])
        return {"count": learn_numbers([len(d) for d in docs], integer=True), "vocab": vocab}

    @staticmethod
    def draw(params: dict[str, Any], n: int, rng: np.random.Generator) -> list[Any]:
        counts = np.clip(draw_numbers(params["count"], n, rng, default=3), 0, 200).astype(int)
        total = int(counts.sum())
        words = (draw_categories(params["vocab"], total, rng) if params["vocab"] else
                 valuetree.shaped_strings({"lengths": [5], "length_p": [1.0], "classes": ["L"] * 5}, total, rng))
        bounds = np.concatenate([[0], np.cumsum(counts)])
        out = []
        for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            unique = dict.fromkeys(w.replace("'", "''") for w in words[a:b])
            out.append(" ".join(f"'{w}':{i + 1}" for i, w in enumerate(unique)))
        return out


class _Range:
    @staticmethod
    def fit(values: list[Any], col: Column) -> dict[str, Any] | None:
        return learn_ranges(values, base_type(col))

    @staticmethod
    def draw(params: dict[str, Any], n: int, rng: np.random.Generator) -> list[Any]:
        return draw_ranges(params, n, rng)


for _name in RANGE_TYPES:
    register(_name)(_Range)


