"""Exports: Open311 bulk columns first, personal data left out, CSV that any RFC 4180 reader
takes back field for field, Parquet with the typed schema, and a period in the town's days."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.adapters import export_files
from chalicelib.adapters.export_files import RowFiles
from chalicelib.domain import export_rows, lifecycle
from chalicelib.domain.card import Location, Requester
from chalicelib.domain.errors import ValidationFailed
from chalicelib.services.exports import Period, export_cards
from tests.factories import EXECUTOR, new_card

KEY = b"k" * 32
OPEN311 = (
    "service_request_id",
    "requested_datetime",
    "updated_datetime",
    "closed_date",
    "status",
    "status_notes",
    "source",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "address",
    "lat",
    "long",
)


def _row(card, directory):
    agencies = {d.id: d.name.en for d in directory.departments()}
    return export_rows.row(card, directory.categories(), agencies, pseudonym_key=KEY)


def test_the_open311_bulk_columns_come_first(clock, directory):
    assert export_rows.NAMES[: len(OPEN311)] == OPEN311
    row = _row(new_card(clock, directory), directory)
    assert row["status"] == "open"
    assert row["service_name"] == "Roads › Potholes"
    assert row["agency_responsible"] == "Road Service"
    assert row["source"] == "web"


def test_personal_data_is_left_out_or_pseudonymised(clock, directory):
    card = new_card(clock, directory).model_copy(
        update={
            "description": "Call me at +7 916 555-44-33 or anna@example.org about 2026-000041",
            "requester": Requester(
                full_name="Anna Ivanova", email="Anna@Example.org", preferred_channel="email"
            ),
        }
    )
    row = _row(card, directory)
    text = repr(row)
    assert "Anna" not in text
    assert "555-44-33" not in text
    assert "example.org" not in text
    assert "2026-000041" in row["description"]  # a request number is not personal data
    other = _row(card.model_copy(update={"number": "2026-000099"}), directory)
    assert row["requester"] == other["requester"]  # the same person, the same pseudonym
    assert len(row["requester"]) == 20
    sensitive = _row(
        card.model_copy(
            update={
                "sensitive": True,
                "location": Location(address="Lenina 5", latitude=55.7, longitude=37.6),
            }
        ),
        directory,
    )
    assert (sensitive["description"], sensitive["address"], sensitive["lat"]) == (None, None, None)


def test_every_free_text_column_is_redacted_like_the_description(clock, directory):
    typed = "Lenina 5, flat 12, ring +7 916 555-44-33 or anna@example.org"
    card = new_card(clock, directory).model_copy(
        update={
            "location": Location(address=typed, latitude=55.7, longitude=37.6),
            "resolution": "Patched; told the neighbour at boris@example.net",
        }
    )
    row = _row(card, directory)
    assert row["address"] == "Lenina 5, flat 12, ring [removed] or [removed]"
    assert row["status_notes"] == "Patched; told the neighbour at [removed]"
    for name, kind in export_rows.COLUMNS:
        if kind == "string" and isinstance(row[name], str):
            assert "555-44-33" not in row[name], name
            assert "example" not in row[name], name


def test_milestones_give_reply_and_resolution_times(clock, directory):
    card = new_card(clock, directory)
    card = lifecycle.assign(card, "ex-ivan", "roads", actor=EXECUTOR.actor, at=clock.now()).card
    clock.advance(timedelta(hours=3))
    card = lifecycle.comment(
        card, "Crew comes Monday", public=True, actor=EXECUTOR.actor, at=clock.now()
    ).card
    row = _row(card, directory)
    assert row["first_reply_hours"] == 3.0
    assert row["resolution_hours"] is None
    assert row["overdue"] is False


def test_csv_reads_back_field_for_field_and_parquet_keeps_types(tmp_path, clock, directory):
    import pyarrow.parquet as pq

    tricky = new_card(clock, directory).model_copy(
        update={"description": 'Two lines,\r\nwith "quotes", commas; and ёлки'}
    )
    files = RowFiles(tmp_path, "cards")
    files.write([_row(tricky, directory)])
    files.write([])
    csv_path, parquet_path = files.close()
    raw = csv_path.read_bytes()
    assert raw.count(b"\r\n") >= 2  # CRLF after every record (and inside the quoted field)
    with csv_path.open(newline="", encoding="utf-8") as handle:
        header, record = list(csv.reader(handle))
    assert tuple(header) == export_rows.NAMES
    assert dict(zip(header, record, strict=True))["description"] == tricky.description
    assert dict(zip(header, record, strict=True))["requested_datetime"].endswith("Z")
    table = pq.read_table(parquet_path)
    assert table.num_rows == 1
    assert str(table.schema.field("requested_datetime").type) == "timestamp[us, tz=UTC]"
    assert table.column("description")[0].as_py() == tricky.description


def test_formulas_are_text_in_the_csv_and_values_in_parquet(tmp_path, clock, directory):
    import pyarrow.parquet as pq

    hostile = new_card(clock, directory).model_copy(
        update={"description": '=HYPERLINK("http://evil.example","Open")'}
    )
    files = RowFiles(tmp_path, "cards")
    files.write([_row(hostile, directory)])
    csv_path, parquet_path = files.close()
    with csv_path.open(newline="", encoding="utf-8") as handle:
        header, record = list(csv.reader(handle))
    cells = dict(zip(header, record, strict=True))
    assert cells["description"] == "'" + hostile.description
    for start in ("+1", "-1", "@SUM(1+1)", "\tx", "\rx"):
        assert export_files.csv_value(start) == "'" + start
    assert export_files.csv_value(-5) == "-5"  # a number is not a formula
    table = pq.read_table(parquet_path)
    assert table.column("description")[0].as_py() == hostile.description


def test_a_period_is_counted_in_the_towns_days(tmp_path, clock, directory):
    zone = ZoneInfo("Europe/Moscow")
    # 22:30 UTC on 1 March is already 2 March in Moscow.
    late = new_card(clock, directory).model_copy(
        update={"created_at": datetime(2026, 3, 1, 22, 30, tzinfo=UTC), "number": "2026-000001"}
    )
    early = late.model_copy(
        update={"created_at": datetime(2026, 3, 1, 10, 0, tzinfo=UTC), "number": "2026-000002"}
    )
    child = late.model_copy(update={"number": "2026-000001-1", "parent": "2026-000001"})
    result = export_cards(
        iter([late, early, child]),
        directory=directory,
        files=lambda: RowFiles(tmp_path, "period", formats=("csv",)),
        pseudonym_key=KEY,
        period=Period(date(2026, 3, 2), date(2026, 3, 2)),
        zone=zone,
        batch=1,
    )
    assert result.rows == 1
    (path,) = result.files
    assert "2026-000001," in path.read_text("utf-8")
    assert "2026-000001-1" not in path.read_text("utf-8")  # subtasks are the town's own work
    with pytest.raises(ValidationFailed):
        Period(date(2026, 3, 2), date(2026, 3, 1))
    with pytest.raises(ValueError, match="unknown export formats"):
        RowFiles(tmp_path, "x", formats=("xlsx",))
