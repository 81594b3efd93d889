"""The impact of a leak equals the truth: distinct people, national identifiers, minors,
credentials, contact details and the span of the records, counted here independently from the
foreign exports (written apart from sceau) and their ground truth; health categories against the
comments' labels; a leak merged from two labs' readings gives per-controller counts that add up."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from datetime import UTC, date, datetime

import polars as pl
import pytest
from tests.foreign.generator import COMMENTS, generate
from tests.trace.test_trace_leak import Kept, read_table

from sceau.detect.scan import ScanOptions, scan
from sceau.store import open_store
from sceau.trace.index import TraceIndex
from sceau.trace.leak import trace_leak
from sceau.trace.record import Fingerprinting

PATIENTS = 300
A_FILE, B_FILE = "axilab_export_patients.csv", "kalisto_requete.csv"
MANDATE = "ab" * 32


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("impact")
    generate(root / "lab-a", patients=PATIENTS, seed=2021)
    generate(root / "lab-b", patients=PATIENTS, seed=2022)
    generate(root / "never", patients=PATIENTS, seed=2023)
    index = TraceIndex(open_store(f"sqlite:///{root / 'store.db'}"), root / "index")
    secret = os.urandom(32)
    labs = {}
    for name, path, finess_column, kind, mandate, recipient in (
        ("a", root / "lab-a" / A_FILE, "FINESS", "scan", None, None),
        ("b", root / "lab-b" / B_FILE, "N° FINESS", "export", MANDATE, "equipe-recherche"),
    ):
        (finess,) = read_table(path)[finess_column].cast(pl.String).unique().to_list()
        labs[name] = finess
        recorder = Fingerprinting(
            index=index,
            events=Kept(),
            secret=secret,
            kind=kind,
            ref=f"{kind}-{name}",
            by="op.durand",
            clock=lambda: datetime.now(UTC),
            finess=finess,
            mandate_sha256=mandate,
            recipient=recipient,
        )
        scan([str(path)], options=ScanOptions(read_along=recorder))
    return root, index, secret, labs


def impact_of(world, frame: pl.DataFrame, name: str) -> dict:
    root, index, secret, _ = world
    path = root / "leaks" / name
    path.parent.mkdir(exist_ok=True)
    frame.write_csv(path, separator=";")
    return trace_leak([str(path)], index, secret).to_dict()["impact"]


def filled(*columns: str) -> pl.Expr:
    return pl.any_horizontal(
        [pl.col(c).cast(pl.String).str.strip_chars().fill_null("") != "" for c in columns]
    )


def minor(birth: str, as_of: date) -> pl.Expr:
    try:
        eighteen_years_ago = as_of.replace(year=as_of.year - 18)
    except ValueError:  # the 29th of February
        eighteen_years_ago = as_of.replace(year=as_of.year - 18, day=28)
    born = pl.col(birth).str.to_date("%d/%m/%Y")
    return (born > eighteen_years_ago) & (born <= as_of)


def test_a_whole_export_reordered_gives_the_true_figures(world):
    root, _, _, labs = world
    original = read_table(root / "lab-a" / A_FILE)
    leak = original.sample(fraction=1.0, shuffle=True, seed=5)
    impact = impact_of(world, leak, "a.csv")
    as_of = date.fromisoformat(impact["as_of"])
    truth = (
        original.select(
            pl.coalesce(pl.col("NIR"), pl.concat_str("NOM", "PRENOMS", "DATE_NAISS")).alias("who"),
            pl.col("NIR").is_not_null().alias("national_identifier"),
            filled("IDENT_SR", "MDP_SR").alias("credentials"),
            filled("ADR1", "ADR2", "TEL_DOM", "TEL_PORT", "MAIL").alias("contact_details"),
            minor("DATE_NAISS", as_of).fill_null(False).alias("minors"),
        )
        .group_by("who")
        .agg(pl.all().any())
    )
    assert impact["people"] == truth.height == PATIENTS
    assert impact["people_by_row"] == 0
    for figure in ("national_identifier", "credentials", "contact_details", "minors"):
        assert impact["categories"][figure] == truth[figure].sum(), figure
    assert 0 < impact["categories"]["minors"] < PATIENTS
    visits = original["DATE_DER_VISITE"].str.slice(0, 10).str.to_date("%d/%m/%Y")
    assert impact["span"] == {
        "first": visits.min().isoformat(),
        "last": visits.max().isoformat(),
    }
    ((lab),) = impact["controllers"]
    assert (lab["finess"], lab["people"]) == (labs["a"], PATIENTS)
    assert lab["told_by"] == ["reading"]
    assert lab["categories"] == impact["categories"]
    assert (impact["runs"], impact["mandates"], impact["recipients"]) == ([], [], [])


def test_health_categories_count_people_as_the_comments_truth_does(world):
    """The detectors are not perfect: the agreement is measured per category, and the whole
    must stay close to the labels (any miss is the detector's, shown in the message)."""
    root = world[0]
    original = read_table(root / "lab-a" / A_FILE)
    impact = impact_of(world, original, "health.csv")
    labelled: dict[str, set[int]] = defaultdict(set)
    for line in (root / "lab-a" / COMMENTS).read_text(encoding="utf-8").splitlines():
        comment = json.loads(line)
        if comment["table"] == A_FILE:
            for category in comment["health"]:
                labelled[category].add(comment["row"])
    truth = {category: len(rows) for category, rows in labelled.items()}
    found = impact["health"]
    assert set(found) <= set(truth) | {"TREATMENT"}, (found, truth)
    agreement = {c: found.get(c, 0) / n for c, n in truth.items()}
    total_found, total_true = sum(found.values()), sum(truth.values())
    assert abs(total_found - total_true) <= 0.1 * total_true, (found, truth, agreement)
    for category, n in truth.items():
        assert abs(found.get(category, 0) - n) <= max(3, 0.2 * n), (category, found, truth)


def test_a_leak_merged_from_two_labs_readings_adds_up_per_controller(world):
    root, _, _, labs = world
    a = read_table(root / "lab-a" / A_FILE)
    b = read_table(root / "lab-b" / B_FILE)
    never = read_table(root / "never" / A_FILE)
    leak = pl.concat(
        [
            a.select(pl.col("NIR").alias("nss"), pl.col("NOM").alias("nom")).head(80),
            b.select(pl.col("N° SS").alias("nss"), pl.col("Nom usuel").alias("nom")).head(60),
            never.select(pl.col("NIR").alias("nss"), pl.col("NOM").alias("nom")).head(40),
        ]
    ).sample(fraction=1.0, seed=3, shuffle=True)
    impact = impact_of(world, leak, "merged.csv")
    people = {lab["finess"]: lab["people"] for lab in impact["controllers"]}
    assert people == {labs["a"]: 80, labs["b"]: 60, None: 40}
    assert sum(people.values()) == impact["people"] == 180
    assert impact["people_in_several_controllers"] == 0
    assert impact["categories"]["national_identifier"] == 180
    assert impact["runs"] == ["export-b"]
    assert impact["mandates"] == [MANDATE]
    assert impact["recipients"] == ["equipe-recherche"]


def test_a_finess_column_of_the_file_tells_only_where_no_reading_does(world):
    root, _, _, labs = world
    a = read_table(root / "lab-a" / A_FILE).head(50)
    never = read_table(root / "never" / A_FILE).head(30)
    columns = ["NIR", "NOM", "PRENOMS", "DATE_NAISS", "FINESS"]
    leak = pl.concat([a.select(columns), never.select(columns)])
    impact = impact_of(world, leak, "with-finess.csv")
    (claimed,) = never["FINESS"].cast(pl.String).unique().to_list()
    told = {lab["finess"]: (lab["people"], lab["told_by"]) for lab in impact["controllers"]}
    if claimed == labs["a"]:  # the same lab by chance: the reading and the column agree
        assert told == {labs["a"]: (80, ["file", "reading"])}
    else:
        assert told == {labs["a"]: (50, ["reading"]), claimed: (30, ["file"])}


def test_rows_that_name_nobody_count_one_person_each_and_say_so(world):
    root = world[0]
    a = read_table(root / "lab-a" / A_FILE).head(60)
    impact = impact_of(world, a.select("CP", "VILLE", "MAIL", "TEL_PORT"), "contacts.csv")
    assert impact["bases"] == ["row"]
    assert impact["people"] == impact["people_by_row"] == 60
    truth = a.select(filled("MAIL", "TEL_PORT").alias("c"))["c"].sum()
    assert impact["categories"]["contact_details"] == truth


def test_no_value_of_the_file_is_in_the_impact(world):
    root = world[0]
    a = read_table(root / "lab-a" / A_FILE).head(50)
    text = json.dumps(impact_of(world, a, "values.csv"))
    for column in ("NIR", "NOM", "MAIL", "TEL_PORT", "DATE_NAISS"):
        for value in a[column].drop_nulls().cast(pl.String).to_list():
            assert value not in text


def test_minors_are_counted_where_birth_dates_have_two_digit_years(world):
    root = world[0]
    b = read_table(root / "lab-b" / B_FILE)
    assert b["Né(e) le"].str.contains(r"^\d\d\.\d\d\.\d\d$").all()
    impact = impact_of(world, b, "two-digit-years.csv")
    as_of = date.fromisoformat(impact["as_of"])
    truth = 0
    for cell in b["Né(e) le"].to_list():
        day, month, short = (int(part) for part in cell.split("."))
        year = 2000 + short if 2000 + short <= as_of.year else 1900 + short
        born = date(year, month, day)
        leap_day = (born.month, born.day) == (2, 29)
        eighteen = date(born.year + 18, born.month, 28 if leap_day else day)
        truth += born <= as_of < eighteen
    assert impact["categories"]["minors"] == truth > 0
