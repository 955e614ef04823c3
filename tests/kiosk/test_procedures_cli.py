"""``kiosk procedures list|search|show`` for staff and technicians."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from kiosk.catalogue.load import load_catalogue
from kiosk.catalogue.model import CATALOGUE_FILE
from kiosk.catalogue.search import search
from kiosk.cli.procedures import add_procedures_parser, run_procedures_command

CATALOGUE = load_catalogue()


def run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="kiosk")
    add_procedures_parser(parser.add_subparsers(dest="command", required=True))
    out, err = io.StringIO(), io.StringIO()
    code = run_procedures_command(parser.parse_args(["procedures", *argv]), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ([], ["Đăng ký khai sinh", "Cấp phiếu lý lịch tư pháp", "ngày làm việc", "Trong ngày"]),
        (
            ["--language", "en"],
            ["Birth registration", "Criminal record certificate", "working days"],
        ),
    ],
)
def test_list_shows_every_procedure_in_the_chosen_language(language, expected) -> None:
    code, out, _ = run("list", *language)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(CATALOGUE.procedures)
    for text in expected:
        assert text in out
    assert [line.split()[0] for line in lines] == [p.code for p in search(CATALOGUE)]


def test_list_json_has_both_languages_and_the_prefill_share() -> None:
    code, out, _ = run("list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {r["code"] for r in rows} == {p.code for p in CATALOGUE.procedures}
    birth = next(r for r in rows if r["code"] == "HT-KS")
    assert birth["name"] == {"vi": "Đăng ký khai sinh", "en": "Birth registration"}
    assert birth["processing_time"]["same_day_cutoff"] == "15:00"
    assert 0 < birth["prefill_share"] < 1


def test_list_by_category() -> None:
    code, out, _ = run("list", "--category", "cu_tru", "--json")
    assert code == 0
    assert {r["code"] for r in json.loads(out)} == {
        "CT-TT",
        "CT-TTR",
        "CT-TV",
        "LT-KS-TT-BHYT",
        "LT-KT-XTT-MTP",
    }


@pytest.mark.parametrize(
    ("query", "first"),
    [("dang ky ket hon", "HT-KH"), ("Đăng ký kết hôn", "HT-KH"), ("bang lai", "GT-GPLX")],
)
def test_search_ranks_as_the_screen_does(query: str, first: str) -> None:
    code, out, _ = run("search", query)
    assert code == 0 and out.split()[0] == first
    code, out, _ = run("search", query, "--json")
    assert [r["code"] for r in json.loads(out)] == [p.code for p in search(CATALOGUE, query)]


def test_search_without_a_match_says_so() -> None:
    assert run("search", "xyzzy") == (1, "", "Không tìm thấy thủ tục nào.\n")
    assert run("search", "xyzzy", "--language", "en")[2] == "No procedure found.\n"
    assert run("search", "xyzzy", "--json") == (0, "[]\n", "")


def test_show_lists_fields_documents_with_their_flags_fee_and_time() -> None:
    code, out, _ = run("show", "ht-ks")
    assert code == 0
    assert out.startswith("Đăng ký khai sinh\n")
    for text in (
        "Mã: HT-KS",
        "Lệ phí: Miễn phí nếu đăng ký trong 60 ngày",
        "Thời hạn giải quyết: Trong ngày (nhận sau 15:00: trả ngày làm việc tiếp theo)",
        "Điền sẵn từ thẻ căn cước: 5/13",
        "Họ và tên người đi khai [từ thẻ: full_name]",
        "Giấy chứng sinh: thay bằng dữ liệu từ giấy chứng sinh điện tử do cơ sở y tế gửi",
        "Văn bản xác nhận của người làm chứng (hoặc giấy cam đoan về việc sinh): vẫn cần nộp",
        "Tờ khai đăng ký khai sinh: điền tại ki-ốt",
        "Luật Hộ tịch số 60/2014/QH13",
        "Chưa xác nhận:",
    ):
        assert text in out, text


def test_show_in_english() -> None:
    code, out, _ = run("show", "CT-TT", "--language", "en")
    assert code == 0
    for text in (
        "Permanent residence registration",
        "Fee: 20,000 VND (10,000 VND online)",
        "Online: 10,000 VND",
        "Processing time: 7 working days",
        "replaced by data from the chip ID card",
        "still needed",
    ):
        assert text in out, text


def test_show_json_carries_every_flag() -> None:
    code, out, _ = run("show", "LT-KS-TT-BHYT", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["interconnected"] and len(data["components"]) == 3
    declarant = next(f for f in data["fields"] if f["key"] == "declarant_id")
    assert declarant["from_card"] and declarant["source"] == "id_number"
    birth = next(d for d in data["documents"] if d["key"] == "birth_certificate")
    assert birth["status"] == "replaced_by_data" and not birth["still_needed"]
    assert birth["replaced_by"] == "electronic_birth_certificate"
    assert birth["when"] == [{"question": "born_in_facility", "in": ["yes"]}]
    assert data["fee_detail"]["cases"][0]["amount_vnd"] is None  # late: the province's rate


def test_show_an_unknown_code() -> None:
    assert run("show", "XX-1") == (1, "", "Không có thủ tục mã 'XX-1'\n")


def test_a_broken_catalogue_file_is_reported_with_its_path(tmp_path: Path) -> None:
    raw = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    raw["procedures"][3]["documents"][1]["replaced_by"] = "xyz"
    path = tmp_path / "update.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    code, out, err = run("list", "--catalogue", str(path))
    assert (code, out) == (2, "")
    assert err == f"{path}: procedures[3].documents[1].replaced_by: unknown source 'xyz'\n"
