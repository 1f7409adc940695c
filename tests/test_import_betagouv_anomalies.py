"""The registry import takes broken files as they come: each anomaly kind is reported with its file and
what was done, nothing crashes, nothing is guessed silently, and what is stored stays valid."""
from datetime import date
from pathlib import Path

from sqlalchemy import select

from portfolio.extensions import db
from portfolio.imports.betagouv import run_import
from portfolio.imports.report import ANOMALY_LABELS
from portfolio.imports.source import raw_files_from_directory
from portfolio.startups.models import Incubator, Organisation, Startup
from portfolio.startups.phases import history_errors, phase_on

TODAY = date(2026, 8, 20)


def startup_file(phases: str = "  - name: investigation\n    start: 2020-01-01\n", more: str = "") -> str:
    return f"---\ntitle: Une startup\nmission: Aider\nincubator: dinum\nphases:\n{phases}{more}---\nLe problème.\n"


#: path -> (content, {(kind, action) the import must report for that file}).
BROKEN = {
    "organisations/dinum.md": ("---\nname: Direction interministérielle du numérique\nacronym: DINUM\n---\n", set()),
    "organisations/idfm": ("---\nname: Île-de-France Mobilités\ntype: autre\n---\n", set()),
    "organisations/idfm.md": ("---\nname: IDFM en double\n---\n", {("duplicate_file", "skipped")}),
    "organisations/sans-entete.md": ("name: pas d’en-tête\n", {("unparseable_file", "skipped")}),
    "organisations/sans-nom.md": ("---\nacronym: SN\n---\n", {("missing_title", "normalised")}),
    "incubators/dinum.md": ("---\ntitle: Incubateur de la DINUM\nowner: /organisations/dinum\n---\n", set()),
    "incubators/fantome.md": ("---\ntitle: Fantôme\nowner: /organisations/nulle-part\n---\n", {("unknown_owner", "skipped")}),
    "startups/yaml-casse.md": ("---\ntitle: [pas fermé\n---\n", {("unparseable_file", "skipped")}),
    "startups/pas-utf8.md": (b"---\ntitle: \xff\xfe\n---\n", {("unparseable_file", "skipped")}),
    "startups/date-vide.md": (
        startup_file("  - name: investigation\n    start: ''\n  - name: construction\n    start: 2021-01-01\n"),
        {("missing_date", "skipped")},
    ),
    "startups/date-absente.md": (
        startup_file("  - name: investigation\n  - name: construction\n    start: 2021-01-01\n"),
        {("missing_date", "skipped")},
    ),
    "startups/date-null.md": (
        startup_file("  - name: investigation\n    start: null\n  - name: construction\n    start: 2021-01-01\n    end: null\n"),
        {("null_value", "skipped")},
    ),
    "startups/date-mal-ecrite.md": (
        startup_file("  - name: investigation\n    start: 2021-06-9\n  - name: construction\n    start: 2021-09-01 10:30:00\n"),
        {("date_normalised", "normalised")},
    ),
    "startups/date-impossible.md": (
        startup_file("  - name: investigation\n    start: 2021-02-30\n  - name: construction\n    start: 09/06/2021\n"),
        {("invalid_date", "skipped")},
    ),
    "startups/espaces.md": (
        "---\ntitle: ' Espaces '\nincubator: ' dinum'\nsponsors:\n  - '/organisations/dinum '\nphases:\n"
        "  - name: ' investigation'\n    start: ' 2020-01-01'\n---\n",
        {("stray_spaces", "normalised")},
    ),
    "startups/references-inconnues.md": (
        startup_file(more="sponsors:\n  - /organisations/nulle-part\n  - /organisations/idfm\nincubators:\n  - ailleurs\n").replace(
            "incubator: dinum", "incubator: inconnu"
        ),
        {("unknown_incubator", "skipped"), ("unknown_sponsor", "skipped")},
    ),
    "startups/chevauchement.md": (
        startup_file("  - name: investigation\n    start: 2020-01-01\n    end: 2020-12-31\n  - name: construction\n    start: 2020-06-01\n"),
        {("overlap", "normalised")},
    ),
    "startups/meme-jour.md": (
        startup_file("  - name: construction\n    start: 2020-01-01\n  - name: investigation\n    start: 2020-01-01\n"),
        {("same_day_start", "normalised")},
    ),
    "startups/apres-arret.md": (
        startup_file(
            "  - name: investigation\n    start: 2019-01-01\n  - name: abandon\n    start: 2020-01-01\n"
            "  - name: construction\n    start: 2021-01-01\n"
        ),
        {("phase_after_abandon", "kept")},
    ),
    "startups/a-venir.md": (
        startup_file("  - name: investigation\n    start: 2020-01-01\n  - name: construction\n    start: 2099-01-01\n"),
        {("future_span", "kept")},
    ),
    "startups/phases-inconnues.md": (
        startup_file(
            "  - name: pivot\n    start: 2019-01-01\n  - name: investigation\n    start: 2019-06-01\n"
            "  - name: success\n    start: 2020-01-01\n  - name: Perennisation\n    start: 2021-01-01\n"
        ),
        {("unknown_phase", "skipped"), ("legacy_phase", "normalised")},
    ),
    "startups/fin-avant-debut.md": (
        startup_file("  - name: investigation\n    start: 2020-06-01\n    end: 2020-01-01\n"),
        {("end_before_start", "normalised")},
    ),
    "startups/doublons.md": (
        startup_file(
            "  - name: investigation\n    start: 2020-01-01\n  - name: investigation\n    start: 2020-01-01\n",
            "events:\n  - name: committee\n    date: 2020-03-01\n  - name: committee\n    date: 2020-03-01\n",
        ),
        {("duplicate_span", "skipped"), ("duplicate_event", "skipped")},
    ),
    "startups/evenements.md": (
        startup_file(
            more="events:\n  - name: hackathon\n    date: 2020-02-01\n  - name: product_launch\n"
            "  - name: committee\n    date: null\n  - name: end\n    date: 2021-06-9\n"
        ),
        {("unknown_event", "normalised"), ("missing_date", "skipped"), ("null_value", "skipped"), ("date_normalised", "normalised")},
    ),
    "startups/sans-titre.md": (startup_file().replace("title: Une startup\n", ""), {("missing_title", "normalised")}),
    "startups/types-faux.md": (
        "---\ntitle: Types faux\nincubator: dinum\nphases: investigation\nlink:\n  - https://a.fr\nsponsors: null\n---\n",
        {("invalid_value", "skipped"), ("null_value", "skipped")},
    ),
    "startups/trop-long.md": (
        startup_file(more=f"link: https://{'a' * 600}.fr\nevents:\n  - name: other\n    date: 2020-01-01\n    comment: {'b' * 400}\n"),
        {("value_too_long", "skipped")},
    ),
    "startups/hors-periode.md": (
        startup_file(
            "  - name: investigation\n    start: 1850-01-01\n  - name: construction\n    start: 2021-01-01\n",
            "events:\n  - name: other\n    date: 2150-06-01\n    comment: Trop loin\n",
        ),
        {("date_out_of_range", "skipped")},
    ),
    "startups/textes-trop-longs.md": (
        startup_file(more=f"mission: {'m' * 2001}\n").replace("mission: Aider\n", "")
        + "d" * 50_001 + "\n",
        {("value_too_long", "skipped")},
    ),
    "startups/liens-refuses.md": (
        startup_file(more="link: javascript:alert(1)\nrepository: 'data:text/html,<b>x</b>'\nstats_url: exemple.fr\n"),
        {("unsafe_link", "skipped")},
    ),
    "startups/sponsors-ecrits.md": (
        startup_file(more="sponsors:\n  - name: Direction interministérielle du numérique\n    acronym: dinum\n"
                     "  - name: Un ministère absent du registre\n"),
        {("sponsor_by_name", "normalised")},
    ),
}
#: Anomalies of the source itself (an archive's entries, a missing folder), tested in test_import_ways_in.py.
SOURCE_ANOMALIES = {"unsafe_path", "missing_folder"}


def write_registry(root: Path) -> Path:
    for relative, (content, _) in BROKEN.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


def import_broken(root: Path):
    return run_import(raw_files_from_directory(root), source=str(root), today=TODAY)


def test_every_kind_of_broken_file_is_reported_with_what_was_done(app, tmp_path):
    report = import_broken(write_registry(tmp_path))

    found = {(a.file, a.kind, a.action) for a in report.anomalies}
    expected = {(path, kind, action) for path, (_, kinds) in BROKEN.items() for kind, action in kinds}
    assert expected <= found, sorted(expected - found)
    unexpected = {(path, kind) for path, kind, _ in found} - {(path, kind) for path, kind, _ in expected}
    assert not unexpected
    assert {kind for _, kind, _ in found} == set(ANOMALY_LABELS) - SOURCE_ANOMALIES, "each anomaly kind has a broken file here"
    assert all(anomaly.detail for anomaly in report.anomalies)
    assert report.files_read == len(BROKEN)
    # The unparseable files are skipped, every other file is imported.
    assert report.records["startups"].created == 22
    # One more than the files: the sponsor written out that no organisation matched.
    assert report.records["organisations"].created == 4 and report.records["incubators"].created == 2


def test_what_broken_files_leave_in_the_database_is_normalised_and_valid(app, tmp_path):
    import_broken(write_registry(tmp_path))

    def spans(slug):
        found = db.session.scalar(select(Startup).where(Startup.slug == slug))
        return [(s.phase, s.start, s.end) for s in found.phase_spans]

    assert all(not history_errors(s.phase_spans) for s in db.session.scalars(select(Startup)))
    assert spans("date-mal-ecrite") == [
        ("investigation", date(2021, 6, 9), date(2021, 9, 1)),
        ("construction", date(2021, 9, 1), None),
    ]
    assert spans("chevauchement") == [
        ("investigation", date(2020, 1, 1), date(2020, 6, 1)),
        ("construction", date(2020, 6, 1), None),
    ]
    meme_jour = db.session.scalar(select(Startup).where(Startup.slug == "meme-jour"))
    assert phase_on(meme_jour.phase_spans, date(2020, 1, 1)) == "construction"
    assert spans("apres-arret")[-1] == ("construction", date(2021, 1, 1), None)
    assert spans("a-venir")[-1] == ("construction", date(2099, 1, 1), None)
    assert [phase for phase, _, _ in spans("phases-inconnues")] == ["investigation", "transfere", "consolidation"]
    assert spans("fin-avant-debut") == [("investigation", date(2020, 6, 1), None)]
    assert spans("date-vide") == spans("date-absente") == spans("date-null") == [("construction", date(2021, 1, 1), None)]

    espaces = db.session.scalar(select(Startup).where(Startup.slug == "espaces"))
    assert espaces.name == "Espaces" and espaces.incubator.slug == "dinum"
    assert [s.organisation.slug for s in espaces.sponsorships] == ["dinum"]
    unknown = db.session.scalar(select(Startup).where(Startup.slug == "references-inconnues"))
    assert unknown.incubator is None and [s.organisation.slug for s in unknown.sponsorships] == ["idfm"]
    evenements = db.session.scalar(select(Startup).where(Startup.slug == "evenements"))
    assert [(m.kind, m.date, m.title) for m in evenements.milestones] == [
        ("other", date(2020, 2, 1), "Événement « hackathon »"),
        ("end", date(2021, 6, 9), "Fin"),
    ]
    assert db.session.scalar(select(Startup).where(Startup.slug == "sans-titre")).name == "sans-titre"
    trop_long = db.session.scalar(select(Startup).where(Startup.slug == "trop-long"))
    assert trop_long.website is None
    # A long comment gives a shortened title; the text keeps it whole.
    assert len(trop_long.milestones[0].title) == 300 and trop_long.milestones[0].title.endswith("…")
    assert trop_long.milestones[0].text == "b" * 400
    # The forms' bounds (portfolio.validation): an out-of-range date or an over-long text is not stored.
    hors_periode = db.session.scalar(select(Startup).where(Startup.slug == "hors-periode"))
    assert spans("hors-periode") == [("construction", date(2021, 1, 1), None)]
    assert hors_periode.milestones == []
    textes = db.session.scalar(select(Startup).where(Startup.slug == "textes-trop-longs"))
    assert textes.pitch is None and textes.description is None
    assert textes.name == "Une startup"
    assert db.session.scalar(select(Organisation).where(Organisation.slug == "idfm")).name == "Île-de-France Mobilités"
    assert db.session.scalar(select(Incubator).where(Incubator.slug == "fantome")).owner is None
    assert db.session.scalar(select(Startup).where(Startup.slug == "yaml-casse")) is None


def test_broken_files_imported_twice_change_nothing_the_second_time(app, tmp_path):
    root = write_registry(tmp_path)
    first = import_broken(root)
    second = import_broken(root)
    assert first.changed and not second.changed
    assert len(second.anomalies) == len(first.anomalies)


def test_out_of_range_dates_and_over_long_texts_are_reported_in_french(app, tmp_path):
    report = import_broken(write_registry(tmp_path))
    out_of_range = [a.detail for a in report.anomalies if a.kind == "date_out_of_range"]
    assert sorted(out_of_range) == [
        "la date de l’événement other « 2150-06-01 » est hors de la période acceptée (01/01/1990 – 31/12/2100) : événement ignoré",
        "le début de la phase investigation « 1850-01-01 » est hors de la période acceptée (01/01/1990 – 31/12/2100) : phase ignorée",
    ]
    assert ANOMALY_LABELS["date_out_of_range"] == "Date hors période"
    too_long = [a.detail for a in report.anomalies if a.file == "startups/textes-trop-longs.md"]
    assert any("« mission » est trop long (2\u202f001 caractères, 2\u202f000 au plus)" in d for d in too_long), too_long
    assert any("description ignorée" in d and "50\u202f000 au plus" in d for d in too_long), too_long
