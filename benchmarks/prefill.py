"""How much of each procedure's form the chip card fills in (issue 5's goal: most of it).

Counts the form fields of each procedure in the catalogue and how many come
from the card; also what a citizen still types on the usual path (the fields
asked when every eligibility question takes its first answer).
"""

from __future__ import annotations

from kiosk.catalogue.load import load_catalogue
from kiosk.catalogue.model import Catalogue, prefill_share, visible_fields


def rows(catalogue: Catalogue | None = None) -> list[dict[str, object]]:
    catalogue = catalogue or load_catalogue()
    result = []
    for procedure in sorted(catalogue.procedures, key=lambda p: -p.popularity):
        usual = {q.key: q.answer_values()[0] for q in procedure.questions}
        asked = visible_fields(procedure, usual)
        result.append(
            {
                "code": procedure.code,
                "fields": len(procedure.fields),
                "from_card": sum(1 for f in procedure.fields if f.from_card),
                "share": prefill_share(procedure),
                "typed_usual": sum(1 for f in asked if not f.from_card),
                "popularity": procedure.popularity,
            }
        )
    return result


def print_table(data: list[dict[str, object]]) -> float:
    """Print the table; returns the share over the whole catalogue."""
    print("\nForm fields pre-filled from the chip card, per procedure (most used first)")
    print(f"{'procedure':<18}{'fields':>8}{'from card':>11}{'share':>8}{'typed (usual)':>15}")
    print("-" * 60)
    for row in data:
        print(
            f"{row['code']!s:<18}{row['fields']!s:>8}{row['from_card']!s:>11}"
            f"{row['share']:>8.0%}{row['typed_usual']!s:>15}"
        )
    total = sum(int(r["fields"]) for r in data)  # type: ignore[call-overload]
    card = sum(int(r["from_card"]) for r in data)  # type: ignore[call-overload]
    print("-" * 60)
    print(f"{'whole catalogue':<18}{total:>8}{card:>11}{card / total:>8.0%}")
    return card / total


if __name__ == "__main__":
    print_table(rows())
