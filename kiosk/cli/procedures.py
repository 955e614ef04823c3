"""``kiosk procedures …``: the procedure catalogue for staff and technicians (no GUI, no Qt).

    kiosk procedures list [--json] [--category KEY]
    kiosk procedures search TEXT [--json] [--category KEY]   (the screen's ranking)
    kiosk procedures show CODE [--json]

Text output is in Vietnamese unless ``--language en``; ``--json`` gives both
languages.  ``--catalogue FILE`` reads another catalogue file (for example an
update to check before it is published); a broken one is reported with its
file, path and reason, exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from kiosk.catalogue.load import CatalogueError, load_catalogue
from kiosk.catalogue.model import (
    CATALOGUE_FILE,
    Catalogue,
    Localized,
    Procedure,
    ProcessingTime,
    prefill_share,
)
from kiosk.catalogue.search import search
from kiosk.forms.summary import grouped

# The CLI's own words (technician tool: kept here, not in the screens' translations).
WORDS: dict[str, tuple[str, str]] = {
    "code": ("Mã", "Code"),
    "category": ("Lĩnh vực", "Category"),
    "agency": ("Cơ quan thực hiện", "Agency"),
    "level": ("Cấp", "Level"),
    "components": ("Thủ tục liên thông", "Interconnected procedures"),
    "legal_basis": ("Căn cứ pháp lý", "Legal basis"),
    "fee": ("Lệ phí", "Fee"),
    "online": ("Nộp trực tuyến", "Online"),
    "processing_time": ("Thời hạn giải quyết", "Processing time"),
    "result": ("Kết quả", "Result"),
    "collect_at": ("Nơi trả kết quả", "Collect at"),
    "form": ("Mẫu tờ khai", "Form"),
    "questions": ("Câu hỏi điều kiện", "Eligibility questions"),
    "fields": ("Các mục trên tờ khai", "Form fields"),
    "documents": ("Thành phần hồ sơ", "Documents"),
    "prefill": ("Điền sẵn từ thẻ căn cước", "Pre-filled from the ID card"),
    "sources": ("Nguồn", "Sources"),
    "unconfirmed": ("Chưa xác nhận", "Unconfirmed"),
    "from_card": ("từ thẻ", "from card"),
    "optional": ("không bắt buộc", "optional"),
    "shown_if": ("hỏi khi", "asked when"),
    "hidden_if": ("không hỏi khi", "not asked when"),
    "derived_from": ("ki-ốt tự xác định từ", "worked out from"),
    "replaced_by_data": ("thay bằng dữ liệu từ", "replaced by data from"),
    "still_needed": ("vẫn cần nộp", "still needed"),
    "filled_at_kiosk": ("điền tại ki-ốt", "filled in at the kiosk"),
    "only_when": ("chỉ khi", "only when"),
    "free": ("Miễn phí", "Free"),
    "per_province": ("theo mức của tỉnh", "set by the province"),
    "extended": ("tối đa", "up to"),
    "no_match": ("Không tìm thấy thủ tục nào.", "No procedure found."),
    "unknown_code": ("Không có thủ tục mã", "No procedure has the code"),
    "same_day": ("Trong ngày", "The same day"),
    "after": ("nhận sau", "received after"),
    "next_day": ("trả ngày làm việc tiếp theo", "done the next working day"),
    "yes": ("có", "yes"),
    "no": ("không", "no"),
}
UNITS = {
    "working_days": ("ngày làm việc", "working days"),
    "working_hours": ("giờ làm việc", "working hours"),
    "days": ("ngày", "days"),
}
LEVELS = {
    "commune": ("cấp xã", "commune"),
    "province": ("cấp tỉnh", "province"),
    "central": ("trung ương", "central"),
}
KINDS = {
    "text": ("chữ", "text"),
    "date": ("ngày", "date"),
    "phone": ("số điện thoại", "phone"),
    "number": ("số", "number"),
    "choice": ("chọn", "choice"),
    "yes_no": ("có/không", "yes/no"),
    "address": ("địa chỉ", "address"),
    "id_number": ("số định danh", "ID number"),
}


def add_procedures_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``kiosk procedures list|search|show``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="JSON, both languages")
    common.add_argument(
        "--language", choices=("vi", "en"), default="vi", help="text output language"
    )
    common.add_argument(
        "--catalogue", type=Path, default=None, metavar="FILE", help="another catalogue file"
    )
    procedures = sub.add_parser("procedures", help="the procedure catalogue (staff tools)")
    psub = procedures.add_subparsers(dest="procedures_command", required=True)
    listing = psub.add_parser("list", parents=[common], help="every procedure, most used first")
    listing.add_argument("--category", help="only this category (key or name)")
    find = psub.add_parser("search", parents=[common], help="search as the screen does")
    find.add_argument("text", help="words to look for, accents optional")
    find.add_argument("--category", help="only this category (key or name)")
    show = psub.add_parser("show", parents=[common], help="one procedure in full")
    show.add_argument("code", help="the procedure's code, e.g. HT-KS")


def run_procedures_command(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        catalogue = load_catalogue(args.catalogue or CATALOGUE_FILE)
    except CatalogueError as exc:
        print(exc, file=err)
        return 2
    lang = args.language
    if args.procedures_command == "show":
        try:
            procedure = catalogue.procedure(args.code.strip().upper())
        except KeyError:
            print(f"{_w('unknown_code', lang)} {args.code!r}", file=err)
            return 1
        if args.json:
            _print_json(procedure_json(catalogue, procedure), out)
        else:
            print(describe(catalogue, procedure, lang), file=out)
        return 0
    if args.procedures_command == "search":
        found = search(catalogue, args.text, category=args.category)
    else:
        found = search(catalogue, "", category=args.category)
    if args.json:
        _print_json([summary_json(catalogue, p) for p in found], out)
        return 0
    if not found:
        print(_w("no_match", lang), file=err)
        return 1
    for procedure in found:
        print(summary_line(procedure, lang), file=out)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the commands on their own (``python -m kiosk.cli.procedures list``)."""
    parser = argparse.ArgumentParser(prog="kiosk")
    add_procedures_parser(parser.add_subparsers(dest="command", required=True))
    return run_procedures_command(parser.parse_args(argv))


# Text ---------------------------------------------------------------------------------


def _w(word: str, lang: str) -> str:
    vi, en = WORDS[word]
    return en if lang == "en" else vi


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def money(amount: int | None, lang: str) -> str:
    """ "20.000 đồng" / "20,000 VND"; 0 is free; ``None`` is the province's rate."""
    if amount is None:
        return _w("per_province", lang)
    if amount == 0:
        return _w("free", lang)
    return grouped(amount, lang) + (" VND" if lang == "en" else " đồng")


def _amount(value: int, unit: str, lang: str) -> str:
    """ "3 working days", "1 working day" (Vietnamese has no plural)."""
    text = _pick(UNITS[unit], lang)
    if lang == "en" and value == 1:
        text = text.removesuffix("s")
    return f"{value} {text}"


def duration(time: ProcessingTime, lang: str) -> str:
    if time.value == 0 and time.unit == "working_days":
        text = _w("same_day", lang)
        if time.same_day_cutoff:
            text += f" ({_w('after', lang)} {time.same_day_cutoff}: {_w('next_day', lang)})"
    else:
        text = _amount(time.value, time.unit, lang)
    if time.extended_value and time.extended_when:
        unit = "working_days" if time.unit == "working_hours" else time.unit
        text += (
            f"; {_w('extended', lang)} {_amount(time.extended_value, unit, lang)}: "
            f"{time.extended_when(lang)}"
        )
    if time.note:
        text += f" — {time.note(lang)}"
    return text


def summary_line(procedure: Procedure, lang: str) -> str:
    return (
        f"{procedure.code:<15} {procedure.name(lang)}  "
        f"[{duration_short(procedure.processing_time, lang)}; {procedure.fee(lang)}]"
    )


def duration_short(time: ProcessingTime, lang: str) -> str:
    if time.value == 0 and time.unit == "working_days":
        return _w("same_day", lang)
    return _amount(time.value, time.unit, lang)


def _condition_text(procedure: Procedure, question: str, values: tuple[str, ...], lang: str) -> str:
    labels: dict[str, str] = {"yes": _w("yes", lang), "no": _w("no", lang)}
    text = question
    for q in procedure.questions:
        if q.key == question:
            text = q.text(lang)
            labels.update({o.value: o.label(lang) for o in q.options})
    for f in procedure.fields:
        if f.key == question:
            text = f.label(lang)
            labels.update({o.value: o.label(lang) for o in f.options})
    return f"{text} = {' / '.join(labels.get(v, v) for v in values)}"


def describe(catalogue: Catalogue, procedure: Procedure, lang: str) -> str:
    """Everything a staff member checks: fields, documents with their flags, fee, time."""
    lines = [procedure.name(lang), "=" * len(procedure.name(lang))]

    def row(word: str, value: str) -> None:
        lines.append(f"{_w(word, lang)}: {value}")

    row("code", procedure.code)
    try:
        row("category", catalogue.category(procedure.category).name(lang))
    except KeyError:
        row("category", procedure.category)
    if procedure.agency:
        row(
            "agency",
            f"{procedure.agency.name(lang)} ({_pick(LEVELS[procedure.agency.level], lang)})",
        )
    if procedure.components:
        lines.append(f"{_w('components', lang)}:")
        for c in procedure.components:
            lines.append(f"  - {c.name(lang)} — {c.agency.name(lang)}")
    fee = procedure.fee_detail
    row("fee", procedure.fee(lang))
    if fee is not None:
        if fee.online_amount_vnd is not None:
            lines.append(f"  {_w('online', lang)}: {money(fee.online_amount_vnd, lang)}")
        for case in fee.cases:
            when = "; ".join(
                _condition_text(procedure, c.question, c.values, lang) for c in case.when
            )
            lines.append(f"  - {case.label(lang)} [{money(case.amount_vnd, lang)}; {when}]")
    row("processing_time", duration(procedure.processing_time, lang))
    if procedure.result:
        row("result", procedure.result.document(lang))
        row("collect_at", procedure.result.collect_at(lang))
    if procedure.form_name:
        row("form", procedure.form_name(lang))
    if procedure.questions:
        lines.append(f"{_w('questions', lang)}:")
        for q in procedure.questions:
            answers = (
                " / ".join(o.label(lang) for o in q.options)
                if q.options
                else f"{_w('yes', lang)} / {_w('no', lang)}"
            )
            derived = ""
            if q.derive is not None:
                source = q.derive.from_field or f"card.{q.derive.from_card}"
                derived = f" [{_w('derived_from', lang)} {source}]"
            lines.append(f"  - {q.text(lang)} ({answers}){derived}")
    share = prefill_share(procedure)
    card = sum(1 for f in procedure.fields if f.from_card)
    lines.append(
        f"{_w('fields', lang)} ({_w('prefill', lang)}: {card}/{len(procedure.fields)}, "
        f"{share:.0%}):"
    )
    for f in procedure.fields:
        notes = [_pick(KINDS[f.kind], lang)]
        if f.from_card:
            notes = [f"{_w('from_card', lang)}: {f.source}"]
        elif not f.required:
            notes.append(_w("optional", lang))
        if f.show_if:
            notes.append(
                f"{_w('shown_if', lang)} "
                + _condition_text(procedure, f.show_if.question, f.show_if.values, lang)
            )
        if f.hide_if:
            notes.append(
                f"{_w('hidden_if', lang)} "
                + _condition_text(procedure, f.hide_if.question, f.hide_if.values, lang)
            )
        if f.options:
            notes.append(" / ".join(o.label(lang) for o in f.options))
        lines.append(f"  - {f.label(lang)} [{'; '.join(notes)}]")
    lines.append(f"{_w('documents', lang)}:")
    for d in procedure.documents:
        if d.status == "replaced_by_data" and d.replaced_by:
            try:
                where = catalogue.data_source(d.replaced_by).name(lang)
            except KeyError:
                where = d.replaced_by
            flag = f"{_w('replaced_by_data', lang)} {where}"
        else:
            flag = _w(d.status, lang)
        text = f"  - {d.name(lang)}: {flag}"
        if d.when:
            text += (
                f" ({_w('only_when', lang)} "
                + "; ".join(_condition_text(procedure, c.question, c.values, lang) for c in d.when)
                + ")"
            )
        lines.append(text)
    if procedure.legal_basis:
        lines.append(f"{_w('legal_basis', lang)}:")
        lines += [f"  - {item}" for item in procedure.legal_basis]
    if procedure.unconfirmed:
        lines.append(f"{_w('unconfirmed', lang)}:")
        lines += [f"  - {item(lang)}" for item in procedure.unconfirmed]
    lines.append(f"{_w('sources', lang)}:")
    lines += [f"  - {item}" for item in procedure.sources]
    return "\n".join(lines)


# JSON ---------------------------------------------------------------------------------


def _loc(value: Localized | None) -> dict[str, str] | None:
    return None if value is None else {"vi": value.vi, "en": value.en}


def _time_json(time: ProcessingTime) -> dict[str, Any]:
    return {
        "value": time.value,
        "unit": time.unit,
        "working_days": time.working_days,
        "same_day_cutoff": time.same_day_cutoff,
        "extended": None
        if time.extended_value is None
        else {"value": time.extended_value, "when": _loc(time.extended_when)},
        "note": _loc(time.note),
    }


def summary_json(catalogue: Catalogue, procedure: Procedure) -> dict[str, Any]:
    return {
        "code": procedure.code,
        "name": _loc(procedure.name),
        "category": procedure.category,
        "interconnected": procedure.interconnected,
        "popularity": procedure.popularity,
        "fee": _loc(procedure.fee),
        "processing_time": _time_json(procedure.processing_time),
        "prefill_share": round(prefill_share(procedure), 3),
    }


def procedure_json(catalogue: Catalogue, procedure: Procedure) -> dict[str, Any]:
    fee = procedure.fee_detail
    sources = {s.key: s for s in catalogue.data_sources}

    def condition(c: Any) -> dict[str, Any]:
        return {"question": c.question, "in": list(c.values)}

    return {
        **summary_json(catalogue, procedure),
        "extra_categories": list(procedure.extra_categories),
        "agency": None
        if procedure.agency is None
        else {"name": _loc(procedure.agency.name), "level": procedure.agency.level},
        "components": [
            {"name": _loc(c.name), "agency": _loc(c.agency.name), "level": c.agency.level}
            for c in procedure.components
        ],
        "legal_basis": list(procedure.legal_basis),
        "fee_detail": None
        if fee is None
        else {
            "amount_vnd": fee.amount_vnd,
            "online_amount_vnd": fee.online_amount_vnd,
            "cases": [
                {
                    "when": [condition(c) for c in case.when],
                    "amount_vnd": case.amount_vnd,
                    "label": _loc(case.label),
                }
                for case in fee.cases
            ],
        },
        "result": None
        if procedure.result is None
        else {
            "document": _loc(procedure.result.document),
            "collect_at": _loc(procedure.result.collect_at),
        },
        "form_name": _loc(procedure.form_name),
        "questions": [
            {
                "key": q.key,
                "text": _loc(q.text),
                "kind": q.kind,
                "options": [{"value": o.value, "label": _loc(o.label)} for o in q.options],
                "show_if": None if q.show_if is None else condition(q.show_if),
            }
            for q in procedure.questions
        ],
        "fields": [
            {
                "key": f.key,
                "label": _loc(f.label),
                "kind": f.kind,
                "source": f.source,
                "from_card": f.from_card,
                "required": f.required,
                "options": [{"value": o.value, "label": _loc(o.label)} for o in f.options],
                "show_if": None if f.show_if is None else condition(f.show_if),
            }
            for f in procedure.fields
        ],
        "documents": [
            {
                "key": d.key,
                "name": _loc(d.name),
                "status": d.status,
                "still_needed": d.still_needed,
                "replaced_by": d.replaced_by,
                "replaced_by_name": _loc(sources[d.replaced_by].name)
                if d.replaced_by in sources
                else None,
                "when": [condition(c) for c in d.when],
            }
            for d in procedure.documents
        ],
        "sources": list(procedure.sources),
        "unconfirmed": [_loc(item) for item in procedure.unconfirmed],
    }


def _print_json(data: object, out: TextIO) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2), file=out)


if __name__ == "__main__":
    raise SystemExit(main())
