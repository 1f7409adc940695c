"""The paste-import of a convention's annex: the seed's annex read exactly (two lines, values
carried down, the TOTAL checked), its warnings, names matched to startups (ambiguous and
unknown ones chosen by the person), bad rows refused with their reason, and nothing saved
before the confirmation, which creates the lines with their audit events."""
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import csrf_token, post_form
from portfolio.audit.models import AuditEvent
from portfolio.audit.queries import history_of
from portfolio.extensions import db
from portfolio.funding.annex import AnnexError, StartupRef, label_keys, match_rows, normalise, parse_annex
from portfolio.funding.annex_import import build_preview
from portfolio.funding.models import Convention, FundingLine, LineAmount
from portfolio.startups.models import Startup

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed-convention.txt"
#: The seed's annex as published, tabs and blank cells included (checked against the seed below).
SEED_ANNEX = "\n".join(
    [
        "Annexe à la convention de délégation",
        "FTSG",
        "",
        "Direction\tProjet\t\t\tUO\tActivité\tPAAF",
        "\t\tAE 2020\tCP 2020\t\t\t",
        "DGE/DIUM\tStartup Etat (place des entreprises)\t200 000\t452 900\t0218-CE5G-CAOD\t021813010101\t07-FIN-21800032429",
        "DGE/DIUM\tSignaux faibles\t168 000\t168 000\t\t\t07-FIN-21800032538",
        "TOTAL\t\t368 000\t620 900\t\t\t",
    ]
)
HEADER = "Direction\tProjet\tAE 2020\tCP 2020\tUO\tActivité\tPAAF"


def rows_of(*lines: str) -> str:
    return "\n".join([HEADER, *lines])


@pytest.fixture
def convention(demo) -> Convention:
    """A convention as the seed's body reads (UO of Article 1, signed on 6 April 2020), without lines yet."""
    convention = Convention(
        reference="TEST-ANNEXE-2020",
        title="Délégation de gestion FTM 2020",
        kind="delegation_gestion",
        uo="0218-CESG-CMOD",
        signed_on=date(2020, 4, 6),
        until_paid=True,
    )
    db.session.add(convention)
    db.session.commit()
    return convention


@pytest.fixture
def finance(make_user, login):
    user = make_user("finance")
    login(user)
    return user


def startup_id(slug: str) -> int:
    return db.session.scalar(select(Startup.id).where(Startup.slug == slug))


def counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count(FundingLine.id))),
        db.session.scalar(select(func.count(LineAmount.id))),
        db.session.scalar(select(func.count(AuditEvent.id))),
    )


def annex_url(convention) -> str:
    return f"/funding/conventions/{convention.id}/annex"


def preview(client, convention, text: str):
    return post_form(client, annex_url(convention), {"text": text, "preview": "1"})


def hidden_token(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)


# --- Reading the text ----------------------------------------------------------------------------


def test_the_embedded_annex_is_the_seeds_own():
    if not SEED.exists():
        pytest.skip("the seed convention is not beside the project")
    text = SEED.read_text(encoding="utf-8")
    assert SEED_ANNEX in text


def test_the_seed_annex_gives_exactly_its_two_lines():
    parsed = parse_annex(SEED_ANNEX)

    assert parsed.years == [2020]
    assert [row.label for row in parsed.rows] == ["Startup Etat (place des entreprises)", "Signaux faibles"]
    place, signaux = parsed.rows
    assert place.amounts == {2020: (Decimal("200000.00"), Decimal("452900.00"))}
    assert (place.direction, place.uo, place.activite, place.paaf) == (
        "DGE/DIUM", "0218-CE5G-CAOD", "021813010101", "07-FIN-21800032429",
    )
    assert signaux.amounts == {2020: (Decimal("168000.00"), Decimal("168000.00"))}
    # UO and activité are blank on the Signaux Faibles row: "same as above".
    assert (signaux.direction, signaux.uo, signaux.activite, signaux.paaf) == (
        "DGE/DIUM", "0218-CE5G-CAOD", "021813010101", "07-FIN-21800032538",
    )
    assert signaux.carried == ("uo", "activite")
    assert place.carried == ()
    assert parsed.declared == {2020: (Decimal("368000.00"), Decimal("620900.00"))}
    assert parsed.rejected == []


def test_the_seed_total_is_the_sum_of_its_lines(app, convention):
    result = build_preview(convention, SEED_ANNEX, date(2026, 1, 1))

    checks = {(check.kind, check.year): check for check in result.checks}
    # 200 000 + 168 000 = 368 000 and 452 900 + 168 000 = 620 900: the published TOTAL is right.
    assert checks["AE", 2020].computed == Decimal("368000.00") == checks["AE", 2020].declared
    assert checks["CP", 2020].computed == Decimal("620900.00") == checks["CP", 2020].declared
    assert all(check.ok for check in result.checks)
    assert "total_mismatch" not in {warning.code for warning in result.warnings}


def test_the_seed_annex_raises_its_two_known_warnings(app, convention):
    result = build_preview(convention, SEED_ANNEX, date(2026, 1, 1))

    by_code = {}
    for warning in result.warnings:
        by_code.setdefault(warning.code, []).append(warning.message)
    assert set(by_code) == {"cp_differs_from_ae", "uo_differs"}
    [cp_warning] = by_code["cp_differs_from_ae"]
    assert "Place des Entreprises" in cp_warning and "452\u202f900" in cp_warning and "200\u202f000" in cp_warning
    # Both lines carry the annex's UO (the second by "same as above"), unlike Article 1's.
    assert len(by_code["uo_differs"]) == 2
    assert all("0218-CE5G-CAOD" in message and "0218-CESG-CMOD" in message for message in by_code["uo_differs"])


def test_a_total_unlike_the_lines_sum_is_a_warning(app, convention):
    text = SEED_ANNEX.replace("TOTAL\t\t368 000\t620 900", "TOTAL\t\t368 000\t600 000")

    result = build_preview(convention, text, date(2026, 1, 1))

    [mismatch] = [warning for warning in result.warnings if warning.code == "total_mismatch"]
    assert "CP" in mismatch.message and "620\u202f900" in mismatch.message and "600\u202f000" in mismatch.message
    assert [check.ok for check in result.checks] == [True, False]


def test_an_annex_without_total_says_it_is_not_checked(app, convention):
    result = build_preview(convention, rows_of("DGE\tSignaux faibles\t10\t10\t\t\t"), date(2026, 1, 1))

    assert "no_total" in {warning.code for warning in result.warnings}


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("DGE\tSignaux faibles\tabc\t10\t\t\t", "AE 2020 : « abc » n’est pas un montant valide"),
        ("DGE\tSignaux faibles\t-5\t10\t\t\t", "négatif"),
        ("DGE\tSignaux faibles\t10,123\t10\t\t\t", "deux décimales au plus"),
        ("DGE\tSignaux faibles\t10\t\t\t\t", "le montant CP 2020 manque"),
        ("DGE\t\t10\t10\t\t\t", "Le projet n’est pas nommé"),
        ("DGE\tSignaux faibles\t\t\t\t\t", "Aucun montant"),
        ("DGE\tSignaux faibles\t1 000 000 000 000\t10\t\t\t", "dépasse le plus grand montant"),
    ],
)
def test_a_bad_or_partial_row_is_refused_with_its_reason(row, reason):
    parsed = parse_annex(rows_of("DGE\tPlace des entreprises\t5\t5\t\t\t", row))

    assert [r.label for r in parsed.rows] == ["Place des entreprises"]
    [rejected] = parsed.rejected
    assert rejected.line_no == 3
    assert reason in rejected.reason


def test_rows_after_the_total_are_refused_and_group_rows_set_the_values_below():
    parsed = parse_annex(rows_of("DGE/DIUM\t\t\t\t0218-X\t0001\t", "\tSignaux faibles\t1\t1\t\t\tP1", "TOTAL\t\t1\t1", "\tEncore\t2\t2"))

    [row] = parsed.rows
    assert (row.direction, row.uo, row.activite, row.paaf) == ("DGE/DIUM", "0218-X", "0001", "P1")
    assert [(r.line_no, r.reason) for r in parsed.rejected] == [(5, "Ligne placée après la ligne TOTAL : ignorée.")]


def test_several_fiscal_years_give_one_line_per_year():
    text = "Projet\tAE 2020\tCP 2020\tAE 2021\tCP 2021\nSignaux faibles\t10\t5\t20\t25\nPlace\t\t\t3\t3\nTOTAL\t10\t5\t23\t28"

    parsed = parse_annex(text)

    assert parsed.years == [2020, 2021]
    assert parsed.rows[0].amounts == {2020: (Decimal("10.00"), Decimal("5.00")), 2021: (Decimal("20.00"), Decimal("25.00"))}
    assert parsed.rows[1].amounts == {2021: (Decimal("3.00"), Decimal("3.00"))}
    assert set(parsed.declared) == {2020, 2021}


def test_a_header_without_year_takes_the_conventions_year():
    parsed = parse_annex("Projet\tAE\tCP\nSignaux faibles\t1\t1", default_year=2020)

    assert parsed.rows[0].amounts == {2020: (Decimal("1.00"), Decimal("1.00"))}
    assert any("2020" in note for note in parsed.notes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Direction Projet AE 2020 CP 2020\nDGE Signaux 1 1", "Aucune tabulation"),
        ("Un\tdeux\ntrois\tquatre", "L’en-tête de l’annexe"),
        ("Projet\tAE 2020\nSignaux\t1", "La colonne « CP 2020 » manque"),
        ("Projet\tUO\nSignaux\tX", "colonnes de montants"),
        ("Direction\tAE 2020\tCP 2020\nDGE\t1\t1", "La colonne « Projet » est introuvable"),
        ("Projet\tAE 2020\tCP 2020\n\n", "aucune ligne"),
    ],
)
def test_a_text_that_is_no_annex_is_refused_in_french(text, message):
    with pytest.raises(AnnexError, match=message):
        parse_annex(text)


# --- Matching names to startups ------------------------------------------------------------------


STARTUPS = [
    StartupRef(1, "Signaux Faibles", "signaux-faibles"),
    StartupRef(2, "Place des Entreprises", "conseillers-entreprises"),
    StartupRef(3, "Aides Jeunes", "aides-jeunes"),
]


def test_names_are_compared_without_case_accents_or_punctuation():
    assert normalise("Startup État (Place-des-Entreprises)") == "startup etat place des entreprises"
    assert label_keys("Startup Etat (place des entreprises)") == [
        "startup etat place des entreprises", "startup etat", "place des entreprises",
    ]


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Startup Etat (place des entreprises)", 2),
        ("Signaux faibles", 1),
        ("SIGNAUX-FAIBLES", 1),
        ("conseillers entreprises", 2),
        ("Startup d’État « Aides jeunes »", None),
        ("(aides jeunes)", 3),
    ],
)
def test_a_row_is_matched_by_name_slug_or_words_in_parentheses(label, expected):
    parsed = parse_annex(rows_of(f"DGE\t{label}\t1\t1\t\t\t"))

    [match] = match_rows(parsed.rows, STARTUPS)

    if expected is None:
        assert match.status == "unmatched"
        assert [s.id for s in match.suggestions] == [3]
    else:
        assert match.status == "matched" and match.candidates[0].id == expected


def test_two_startups_for_one_label_is_ambiguous():
    parsed = parse_annex(rows_of("DGE\tSignaux faibles (place des entreprises)\t1\t1\t\t\t"))
    homonyms = [*STARTUPS, StartupRef(4, "Signaux faibles", "signaux-faibles-urssaf")]

    [match] = match_rows(parsed.rows, STARTUPS)
    [homonym] = match_rows(parse_annex(rows_of("DGE\tSignaux Faibles\t1\t1\t\t\t")).rows, homonyms)

    assert match.status == "ambiguous" and {s.id for s in match.candidates} == {1, 2}
    assert homonym.status == "ambiguous" and {s.id for s in homonym.candidates} == {1, 4}


# --- Preview and confirmation over HTTP ----------------------------------------------------------


def test_the_preview_shows_the_rows_and_warnings_and_saves_nothing(client, convention, finance):
    before = counts()

    response = preview(client, convention, SEED_ANNEX)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert counts() == before
    assert 'data-status="matched"' in html and "Place des Entreprises" in html and "Signaux Faibles" in html
    assert 'data-code="cp_differs_from_ae"' in html and 'data-code="uo_differs"' in html
    assert "Conforme" in html and "(repris de la ligne du dessus)" in html
    assert "Rien n’est enregistré tant que vous n’avez pas confirmé" in html


def test_confirming_creates_the_lines_with_their_amounts_and_audit_events(client, convention, finance):
    token = hidden_token(preview(client, convention, SEED_ANNEX).get_data(as_text=True))

    response = post_form(client, annex_url(convention), {"token": token, "confirm": "1"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/funding/conventions/{convention.id}")
    db.session.expire_all()
    lines = db.session.scalars(select(FundingLine).where(FundingLine.convention_id == convention.id).order_by(FundingLine.position)).all()
    assert [(line.startup.slug, line.fiscal_year, line.uo, line.activite, line.paaf) for line in lines] == [
        ("conseillers-entreprises", 2020, "0218-CE5G-CAOD", "021813010101", "07-FIN-21800032429"),
        ("signaux-faibles", 2020, "0218-CE5G-CAOD", "021813010101", "07-FIN-21800032538"),
    ]
    assert [(a.effective_on, a.ae, a.cp, a.amendment_id) for line in lines for a in line.amounts] == [
        (date(2020, 4, 6), Decimal("200000.00"), Decimal("452900.00"), None),
        (date(2020, 4, 6), Decimal("168000.00"), Decimal("168000.00"), None),
    ]
    assert (convention.declared_total_ae, convention.declared_total_cp) == (Decimal("368000.00"), Decimal("620900.00"))
    events = history_of(*lines, *[amount for line in lines for amount in line.amounts])
    assert len(events) == 4
    assert {(event.action, event.actor_label, event.reason) for event in events} == {
        ("create", finance.name, "Import de l’annexe collée")
    }


def test_an_ambiguous_row_waits_for_the_persons_choice(client, convention, finance):
    db.session.add(Startup(slug="signaux-faibles-urssaf", name="Signaux faibles"))
    db.session.commit()
    token = hidden_token(preview(client, convention, SEED_ANNEX).get_data(as_text=True))
    before = counts()

    unchosen = post_form(client, annex_url(convention), {"token": token, "confirm": "1"})

    assert unchosen.status_code == 422
    assert "Choisissez la startup de cette ligne" in unchosen.get_data(as_text=True)
    assert counts() == before
    chosen = post_form(
        client, annex_url(convention), {"token": token, "confirm": "1", "row_7": str(startup_id("signaux-faibles-urssaf"))}
    )
    assert chosen.status_code == 302
    slugs = db.session.scalars(select(Startup.slug).join(FundingLine).where(FundingLine.convention_id == convention.id))
    assert sorted(slugs) == ["conseillers-entreprises", "signaux-faibles-urssaf"]


def test_a_choice_outside_the_candidates_is_refused(client, convention, finance):
    db.session.add(Startup(slug="signaux-faibles-urssaf", name="Signaux faibles"))
    db.session.commit()
    token = hidden_token(preview(client, convention, SEED_ANNEX).get_data(as_text=True))

    response = post_form(
        client, annex_url(convention), {"token": token, "confirm": "1", "row_7": str(startup_id("conseillers-entreprises"))}
    )

    assert response.status_code == 422
    assert db.session.scalar(select(func.count(FundingLine.id)).where(FundingLine.convention_id == convention.id)) == 0


def test_an_unknown_name_is_chosen_or_refused(client, convention, finance):
    text = rows_of("DGE\tSignaux faibles\t10\t10\t\t\t", "DGE\tProjet mystère\t5\t5\t\t\t")
    html = preview(client, convention, text).get_data(as_text=True)
    assert 'data-status="unmatched"' in html and "Aucune startup trouvée" in html

    response = post_form(client, annex_url(convention), {"token": hidden_token(html), "confirm": "1", "row_3": "refuse"})

    assert response.status_code == 302
    lines = db.session.scalars(select(FundingLine).where(FundingLine.convention_id == convention.id)).all()
    assert [line.startup.slug for line in lines] == ["signaux-faibles"]


def test_bad_rows_are_shown_and_skipped_on_confirm(client, convention, finance):
    text = rows_of("DGE\tSignaux faibles\t10\t10\t\t\t", "DGE\tPlace des entreprises\t5\tcinq\t\t\t")
    html = preview(client, convention, text).get_data(as_text=True)
    assert "Lignes refusées" in html and "« cinq » n’est pas un montant valide" in html

    post_form(client, annex_url(convention), {"token": hidden_token(html), "confirm": "1"})

    assert db.session.scalar(select(func.count(FundingLine.id)).where(FundingLine.convention_id == convention.id)) == 1


def test_a_forged_or_foreign_token_saves_nothing(client, convention, finance):
    token = hidden_token(preview(client, convention, SEED_ANNEX).get_data(as_text=True))
    other = Convention(reference="AUTRE", title="Autre", kind="autre", signed_on=date(2021, 1, 1))
    db.session.add(other)
    db.session.commit()
    before = counts()

    forged = post_form(client, annex_url(convention), {"token": token[:-3] + "abc", "confirm": "1"})
    foreign = post_form(client, annex_url(other), {"token": token, "confirm": "1"})

    assert forged.status_code == 422 and "L’aperçu n’est pas valide" in forged.get_data(as_text=True)
    assert foreign.status_code == 422 and "une autre convention" in foreign.get_data(as_text=True)
    assert counts() == before


def test_confirming_twice_does_not_duplicate_the_lines(client, convention, finance):
    token = hidden_token(preview(client, convention, SEED_ANNEX).get_data(as_text=True))
    assert post_form(client, annex_url(convention), {"token": token, "confirm": "1"}).status_code == 302
    before = counts()

    again = post_form(client, annex_url(convention), {"token": token, "confirm": "1"})

    assert again.status_code == 422
    assert "La convention a déjà une ligne pour Place des Entreprises en 2020" in again.get_data(as_text=True)
    assert counts() == before


def test_startups_changed_since_the_preview_ask_for_a_new_look(client, convention, finance):
    token = hidden_token(preview(client, convention, SEED_ANNEX).get_data(as_text=True))
    db.session.add(Startup(slug="place-bis", name="Place des entreprises"))
    db.session.commit()

    response = post_form(client, annex_url(convention), {"token": token, "confirm": "1"})

    assert response.status_code == 422
    assert "Les startups ont changé depuis l’aperçu" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(FundingLine.id)).where(FundingLine.convention_id == convention.id)) == 0


def test_going_back_gives_the_pasted_text_again(client, convention, finance):
    token = hidden_token(preview(client, convention, SEED_ANNEX).get_data(as_text=True))

    response = post_form(client, annex_url(convention), {"token": token, "back": "1"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Startup Etat (place des entreprises)" in html and "<textarea" in html


def test_an_unreadable_paste_is_refused_with_a_french_message(client, convention, finance):
    before = counts()

    empty = preview(client, convention, "")
    no_annex = preview(client, convention, "Un simple texte sans tableau")

    assert empty.status_code == 422 and "Ce champ est obligatoire." in empty.get_data(as_text=True)
    assert no_annex.status_code == 422 and "Aucune tabulation" in no_annex.get_data(as_text=True)
    assert counts() == before


def test_a_reader_may_not_import(client, convention, make_user, login):
    login(make_user("coach", scope="dinum"))

    assert client.get(annex_url(convention)).status_code == 403
    response = client.post(annex_url(convention), data={"csrf_token": csrf_token(client), "text": SEED_ANNEX})
    assert response.status_code == 403
