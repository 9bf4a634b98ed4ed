"""URLs spelling the row's name are rebuilt around the synthetic names (Northwind's PhotoPath)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dbsynth.transform.fake import source_hashes
from dbsynth.transform.namepaths import fill_name_paths, learn_name_paths

LAST = ["Davolio", "Fuller", "Leverling", "Peacock", "Buchanan", "Suyama", "King", "Callahan", "Dodsworth"]
PATHS = [f"http://accweb/emmployees/{n.lower()}.bmp" for n in LAST[:5]] + ["http://accweb/emmployees/davolio.bmp"] * 4


def _spec() -> dict:
    frame = pd.DataFrame({"LastName": LAST, "FirstName": ["Ann"] * 9, "PhotoPath": PATHS})
    learned = learn_name_paths(frame["PhotoPath"], frame, ["FirstName", "LastName"])
    assert learned is not None
    return {"column": "PhotoPath", "name_paths": learned, "max_length": 60, "avoid": source_hashes(PATHS)}


def test_templates_keep_the_text_around_the_name_only() -> None:
    learned = _spec()["name_paths"]
    assert learned["templates"] == [["http://accweb/emmployees/{}.bmp", "lower", "LastName", 9]]
    assert learned["own"] == 5 / 9  # four rows show another employee's photo


def test_rows_get_paths_of_the_synthetic_names() -> None:
    n = 300
    names = np.array([f"Smith{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}" for i in range(n)], dtype=object)
    drawn = np.array(["http://accweb/emmployees/xyz.bmp"] * (n - 1) + [None], dtype=object)
    out = fill_name_paths(_spec(), drawn, {"LastName": names}, np.random.default_rng(0))
    assert out[-1] is None  # NULLs stay NULL
    stems = [v.removeprefix("http://accweb/emmployees/").removesuffix(".bmp") for v in out[:-1]]
    assert set(stems) <= {str(s).lower() for s in names}
    own = np.mean([s == str(names[i]).lower() for i, s in enumerate(stems)])
    assert 0.45 < own < 0.7  # the source's share of rows showing their own name (5 of 9)
    assert not set(out[:-1]) & set(PATHS)


def test_too_few_names_learn_nothing() -> None:
    frame = pd.DataFrame({"LastName": LAST, "Url": [f"http://x/{i}.png" for i in range(9)]})
    assert learn_name_paths(frame["Url"], frame, ["LastName"]) is None
