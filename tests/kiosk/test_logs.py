import json
import logging

from kiosk.runtime.logs import REDACTED, JsonFormatter, Scrubber


def test_scrubber_removes_numbers_dates_and_mrz() -> None:
    scrub = Scrubber().scrub
    assert "001185012345" not in scrub("id 001185012345 read")
    assert "14/03/1985" not in scrub("born 14/03/1985")
    assert "1985-03-14" not in scrub("born 1985-03-14")
    assert "0912 345 678" not in scrub("phone 0912 345 678")
    mrz = "IDVNM1850123458001185012345<<3"
    assert mrz not in scrub(f"mrz {mrz}")
    assert scrub("step_changed attract") == "step_changed attract"


def test_registered_values_are_removed_case_insensitively_until_forgotten() -> None:
    scrubber = Scrubber()
    scrubber.register("Trần Thị Ngọc Ánh", "Số 12 phố Hàng Bạc")
    text = scrubber.scrub("name=TRẦN THỊ NGỌC ÁNH addr=số 12 phố hàng bạc surname Ánh?")
    assert "Ngọc" not in text and "Hàng Bạc" not in text.title()
    assert text.count(REDACTED) >= 2
    scrubber.forget_all()
    assert "Ngọc" in scrubber.scrub("Ngọc")


def test_json_lines_carry_event_and_scrubbed_fields() -> None:
    scrubber = Scrubber()
    scrubber.register("Lê Văn Tám")
    record = logging.LogRecord("kiosk.core", logging.INFO, __file__, 1, "card_read", None, None)
    record.fields = {"ms": 12.5, "who": "Lê Văn Tám", "id": "079203001234"}
    entry = json.loads(JsonFormatter(scrubber).format(record))
    assert entry["event"] == "card_read" and entry["level"] == "INFO"
    assert entry["fields"]["ms"] == 12.5
    assert "Tám" not in entry["fields"]["who"]
    assert "079203001234" not in entry["fields"]["id"]
