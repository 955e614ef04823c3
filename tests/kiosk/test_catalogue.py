import json
from datetime import date
from pathlib import Path

import pytest

from kiosk.catalogue import (
    CATALOGUE_FILE,
    CatalogueError,
    add_working_days,
    load_catalogue,
)


def test_bundled_catalogue_loads_with_both_interconnected_and_single_procedures() -> None:
    catalogue = load_catalogue()
    codes = {p.code for p in catalogue.procedures}
    assert "LT-KS-TT-BHYT" in codes and "CT-TT" in codes
    for procedure in catalogue.procedures:
        assert procedure.name("vi") and procedure.name("en")
        assert any(f.from_card for f in procedure.fields)
    assert [a.code for a in catalogue.queue_areas] == ["A", "B", "C", "D"]


def test_a_broken_catalogue_names_file_path_and_reason(tmp_path: Path) -> None:
    raw = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    raw["procedures"][1]["fields"][0]["source"] = "shoe_size"
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(CatalogueError) as error:
        load_catalogue(path)
    message = str(error.value)
    assert str(path) in message and "procedures[1].fields[0].source" in message
    assert "shoe_size" in message


def test_working_days_skip_weekends() -> None:
    friday = date(2026, 11, 20)
    assert add_working_days(friday, 1) == date(2026, 11, 23)
    assert add_working_days(friday, 3) == date(2026, 11, 25)
    assert add_working_days(friday, 0) == friday
