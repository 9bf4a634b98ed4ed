"""Formats of PII values learned from the source, filled with new characters.

A phone or postal code keeps its source's shape (``(503) 555-9831`` →
``(999) 999-9999``): the template and the share of each template are learned,
the digits and letters are new. What is kept literally is not personal:
separators, a phone's leading ``+country code``, letters inside phones
(``x``, ``ext``), and the first character of each run is drawn from the
first characters seen there (a German trunk ``0``, a Canadian province letter),
so a value looks local without being a source value (the caller still rejects
any exact source value by its hash).

E-mails are built from the row's synthetic names in the source's local-part
styles (``first.last``, ``flast``, …) and the source's domain distribution;
domains of one address only (a company's) are replaced by a made-up name with
the same suffix (``embraer.com.br`` → ``silva.com.br``).
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np

_RUN = re.compile(r"\d+|[A-Z]+|[a-z]+|[^\dA-Za-z]+")
_UPPER = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
_LOWER = np.array(list("abcdefghijklmnopqrstuvwxyz"))
_DIGITS = np.array(list("0123456789"))

#: mail providers whose domains are shared by many people (first label of the domain)
FREE_MAIL = frozenset({
    "gmail", "googlemail", "yahoo", "ymail", "hotmail", "outlook", "live", "msn", "aol", "icloud", "me", "mac",
    "gmx", "web", "mail", "yandex", "protonmail", "proton", "zoho", "comcast", "verizon", "att", "sbcglobal",
    "shaw", "rogers", "sympatico", "uol", "bol", "terra", "sapo", "free", "orange", "wanadoo", "laposte",
    "libero", "tiscali", "virgilio", "rediff", "wp", "o2", "onet", "interia", "seznam", "centrum", "t-online",
    "freenet", "bluewin", "telenet", "skynet", "jubii", "surfeu", "btinternet", "sky", "qq", "163", "126",
    "naver", "daum", "mail.ru", "bk", "inbox", "list", "rambler", "juno", "earthlink", "cox", "charter",
})


# ---- shapes (phones, postal codes) -----------------------------------------

def template(value: str, *, kind: str) -> tuple[list[list[Any]], list[str]]:
    """Template tokens of ``value`` (``["lit", text]`` or ``[class, length]``) and the first chars of its runs.

    Phones keep letters (``x``, ``ext``) and a leading ``+country code``
    literally; postal codes keep only separators.
    """
    tokens: list[list[Any]] = []
    leads = []
    for i, run in enumerate(_RUN.findall(value)):
        if run[0].isdigit():
            cls = "9"
        elif run[0].isalpha() and kind != "phone":
            cls = "A" if run[0].isupper() else "a"
        else:
            cls = "lit"
        if cls == "9" and kind == "phone" and i == 1 and value.startswith("+"):
            cls = "lit"  # the country code
        if cls == "lit":
            tokens.append(["lit", run])
        else:
            tokens.append([cls, len(run)])
            # the first run (area, province) and the first char of longer runs (a trunk 0) are kept as
            # seen; other one-character runs are free, so a template seen once is not its value
            leads.append(run[0] if not leads or len(run) >= 2 else "")
    return tokens, leads


def learn_shapes(values: Iterable[str], *, kind: str) -> dict[str, Any]:
    """Template frequencies and, per variable run, the first characters seen (for one group of values)."""
    shapes: Counter[str] = Counter()
    leads: dict[str, dict[str, Counter[str]]] = {}
    for v in values:
        tokens, first = template(v, kind=kind)
        key = _key(tokens)
        shapes[key] += 1
        for j, ch in enumerate(first):
            if ch:
                leads.setdefault(key, {}).setdefault(str(j), Counter())[ch] += 1
    return {"shapes": [[k, n, {j: dict(c) for j, c in leads.get(k, {}).items()}] for k, n in shapes.most_common()]}


def _key(tokens: list[list[Any]]) -> str:

    return json.dumps(tokens, ensure_ascii=False)


def fill_shapes(learned: dict[str, Any], n: int, rng: np.random.Generator,
                u: np.ndarray | None = None) -> list[str]:
    """``n`` new values in the learned templates, each template at its source share.

    ``u`` (one number in [0, 1) per row, see :func:`spread`) picks the template
    by inverse CDF; several phone columns of one row given the same ``u`` take
    templates of the same rank (a row's phone and fax both with or both without
    ``+1``). Without ``u`` the rows are spread systematically, so a small table
    gets the source's shares nearly exactly rather than a random draw.
    """
    keys = [k for k, *_ in learned["shapes"]]
    if not keys or n == 0:
        return [""] * n
    cum = np.cumsum([w for _, w, _ in learned["shapes"]], dtype=float)
    u = spread(n, rng) if u is None else np.asarray(u, dtype=float)
    picks = np.minimum(np.searchsorted(cum, u * cum[-1], side="right"), len(keys) - 1)
    out: list[str] = [""] * n
    for t in np.unique(picks):
        rows = np.flatnonzero(picks == t)
        tokens = json.loads(keys[t])
        leads = {int(j): (list(c), np.array(list(c.values()), float)) for j, c in learned["shapes"][t][2].items()}
        parts = [_fill_token(tok, j, leads, len(rows), rng) for j, tok in _numbered(tokens)]
        for i, value in zip(rows.tolist(), map("".join, zip(*parts))):
            out[i] = value
    return out


def spread(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` shuffled points of a systematic sample of [0, 1): any share ``w`` of the interval
    holds ``w * n`` of them, rounded up or down."""
    return rng.permutation((rng.random() + np.arange(n)) / max(n, 1))


def _numbered(tokens: list[list[Any]]) -> list[tuple[int, list[Any]]]:
    """Each token with the index of its variable run (literals get -1)."""
    out, j = [], 0
    for tok in tokens:
        if tok[0] == "lit":
            out.append((-1, tok))
        else:
            out.append((j, tok))
            j += 1
    return out


def _fill_token(tok: list[Any], j: int, leads: dict[int, tuple[list[str], np.ndarray]], k: int,
                rng: np.random.Generator) -> list[str]:
    if tok[0] == "lit":
        return [tok[1]] * k
    alphabet = _DIGITS if tok[0] == "9" else _UPPER if tok[0] == "A" else _LOWER
    chars = alphabet[rng.integers(0, len(alphabet), size=(k, int(tok[1])))]
    seen = leads.get(j)
    if seen is not None:
        options = [c for c in seen[0] if c in alphabet]
        if options:
            w = np.array([seen[1][seen[0].index(c)] for c in options])
            chars[:, 0] = np.array(options)[rng.choice(len(options), size=k, p=w / w.sum())]
    # k rows of one-character cells, read as k strings of the run's length
    return np.ascontiguousarray(chars).view(f"<U{int(tok[1])}").ravel().tolist()


# ---- password hashes -------------------------------------------------------

_HEX = re.compile(r"[0-9a-f]+|[0-9A-F]+")
MIN_DIGEST = 16  # hex strings at least this long, all of one length, are digests (MD5 32, SHA-1 40, …)


def learn_digest(values: list[str]) -> dict[str, Any] | None:
    """Length and case of a column of hex digests (Sakila's SHA-1 `password`), or None."""
    lengths = {len(v) for v in values}
    if len(lengths) != 1 or min(lengths) < MIN_DIGEST or not all(_HEX.fullmatch(v) for v in values):
        return None
    return {"length": lengths.pop(), "upper": any(c in "ABCDEF" for v in values for c in v)}


def draw_digests(learned: dict[str, Any], n: int, rng: np.random.Generator) -> list[str]:
    """``n`` random hex strings of the learned length and case (a hash of nothing real)."""
    alphabet = np.array(list("0123456789ABCDEF" if learned["upper"] else "0123456789abcdef"))
    chars = alphabet[rng.integers(0, 16, size=(n, int(learned["length"])))]
    return np.ascontiguousarray(chars).view(f"<U{int(learned['length'])}").ravel().tolist()


# ---- e-mails ---------------------------------------------------------------

@lru_cache(maxsize=65536)  # names repeat: pools of Faker names
def ascii_slug(text: object) -> str:
    """Lower-case ASCII letters and digits of a name (``Gonçalves`` → ``goncalves``)."""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


_STYLES: dict[str, Any] = {
    "first.last": lambda f, la: f"{f}.{la}", "first_last": lambda f, la: f"{f}_{la}",
    "firstlast": lambda f, la: f"{f}{la}", "flast": lambda f, la: f"{f[:1]}{la}",
    "f.last": lambda f, la: f"{f[:1]}.{la}", "firstl": lambda f, la: f"{f}{la[:1]}",
    "first": lambda f, la: f, "last": lambda f, la: la, "lastfirst": lambda f, la: f"{la}{f}",
    "last.first": lambda f, la: f"{la}.{f}", "fila": lambda f, la: f"{f[:2]}{la}",
}


def email_style(local: str, first: object, last: object) -> str:
    """Which style of ``_STYLES`` builds ``local`` from the names (``other`` if none), ``+d`` if digits follow."""
    body = local.lower().rstrip("0123456789")
    digits = "+d" if len(body) < len(local) else ""
    f, la = ascii_slug(first), ascii_slug(last)
    if f and la:
        for name, build in _STYLES.items():
            if build(f, la) == ascii_slug_keep(body):
                return name + digits
    return "other" + digits


def ascii_slug_keep(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9._]", "", folded.lower())


def build_local(style: str, first: object, last: object, rng: np.random.Generator) -> str:
    base, _, digits = style.partition("+")
    f, la = ascii_slug(first) or "user", ascii_slug(last) or "mail"
    build = _STYLES.get(base) or _STYLES["firstlast"]
    local = build(f, la)
    if digits:
        local += str(int(rng.integers(1, 100)))
    return local


def domain_entries(domains: Iterable[str], counts_all: Counter[str]) -> list[list[Any]]:
    """Domain distribution: shared domains kept, one-off company domains as ``["*", suffix]`` to be faked."""
    out: Counter[tuple[str, str]] = Counter()
    for d in domains:
        d = d.lower()
        if counts_all[d] >= 2 or d.split(".")[0] in FREE_MAIL:
            out[(d, "")] += 1
        else:
            out[("*", domain_suffix(d))] += 1
    return [[d, s, n] for (d, s), n in out.most_common()]


def domain_suffix(domain: str) -> str:
    """Public suffix of a domain, roughly: ``.com.br``, ``.co.uk``, ``.de``."""
    labels = domain.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3:
        return "." + ".".join(labels[-2:])
    return "." + labels[-1] if len(labels) > 1 else ".com"
