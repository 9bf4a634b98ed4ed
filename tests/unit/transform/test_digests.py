"""Password hashes stay hashes: hex digests of the source's length and case (Sakila's SHA-1 `password`)."""
from __future__ import annotations

import hashlib
import re

import numpy as np

from dbsynth.transform.pii_formats import draw_digests, learn_digest


def test_sha1_hashes_are_drawn_as_new_sha1_shaped_hex() -> None:
    source = [hashlib.sha1(f"pw{i}".encode()).hexdigest() for i in range(5)]
    learned = learn_digest(source)
    assert learned == {"length": 40, "upper": False}
    out = draw_digests(learned, 200, np.random.default_rng(0))
    assert all(re.fullmatch(r"[0-9a-f]{40}", v) for v in out)
    assert len(set(out)) == 200 and not set(out) & set(source)


def test_upper_case_md5_keeps_its_case() -> None:
    learned = learn_digest([hashlib.md5(b"x").hexdigest().upper(), hashlib.md5(b"y").hexdigest().upper()])
    assert learned == {"length": 32, "upper": True}
    assert all(re.fullmatch(r"[0-9A-F]{32}", v) for v in draw_digests(learned, 20, np.random.default_rng(1)))


def test_plain_passwords_and_mixed_lengths_are_not_digests() -> None:
    assert learn_digest(["hunter2", "letmein"]) is None
    assert learn_digest(["8cb2237d0679ca88db6464eac60da96345513964", "8cb2237d0679ca88"]) is None
    assert learn_digest(["8cb2237d0679ca88db6464eac60da9634551396z"]) is None
