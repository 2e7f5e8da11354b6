"""Exports for the office: the burial register as CSV or XLSX, graves as GeoJSON."""

import csv
import io

from podkowa.cemetery.models import Burial, Cemetery, Grave
from podkowa.core.models import Gmina

COLUMNS = ["record_number", "surname", "given_names", "family_name", "birth_date",
           "death_date", "burial_date", "quarter", "row", "number", "grave_kind",
           "birth_place", "death_place", "father_name", "mother_name", "marital_status",
           "civil_record", "civil_registry_office", "burial_right_holder", "entry_kind"]


def _rows(gmina: Gmina, cemetery: Cemetery):
    burials = (Burial.objects.filter(gmina=gmina, grave__cemetery=cemetery)
               .select_related("grave__quarter", "grave__row").order_by("record_number"))
    for b in burials:
        yield [
            b.record_number, b.surname, b.given_names, b.family_name,
            b.birth_date.isoformat() if b.birth_date else (b.birth_year or ""),
            b.death_date.isoformat() if b.death_date else (b.death_year or ""),
            b.burial_date.isoformat() if b.burial_date else "",
            b.grave.quarter.code, b.grave.row.code, b.grave.number, b.grave.kind,
            b.birth_place, b.death_place, b.father_name, b.mother_name, b.marital_status,
            b.civil_record, b.civil_registry_office, b.burial_right_holder, b.entry_kind,
        ]


def burials_csv(*, gmina: Gmina, cemetery: Cemetery) -> bytes:
    """The same columns the import reads: an export can be imported elsewhere as it is."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(_rows(gmina, cemetery))
    return out.getvalue().encode("utf-8-sig")


def burials_xlsx(*, gmina: Gmina, cemetery: Cemetery) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(cemetery.slug[:31] or "burials")
    sheet.append(COLUMNS)
    for row in _rows(gmina, cemetery):
        sheet.append([str(v) if v != "" else None for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def graves_geojson(*, gmina: Gmina, cemetery: Cemetery) -> dict:
    features = []
    graves = (Grave.objects.filter(gmina=gmina, cemetery=cemetery, location__isnull=False)
              .select_related("quarter", "row").order_by("record_number"))
    for g in graves:
        features.append({"type": "Feature", "id": g.pk,
                         "geometry": {"type": "Point", "coordinates": [
                             round(g.location.x, 7), round(g.location.y, 7)]},
                         "properties": {"record_number": g.record_number,
                                        "quarter": g.quarter.code, "row": g.row.code,
                                        "number": g.number, "kind": g.kind,
                                        "monument": g.in_monuments_register}})
    return {"type": "FeatureCollection", "features": features}
