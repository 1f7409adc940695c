"""The portfolio view and its CSV export: filters, the day-D phase, funnel, flags, sort,
pagination, the export equal to the view, French errors, and a constant number of SQL statements."""
import csv
import dataclasses
import io
import re
from datetime import timedelta

import pytest

from portfolio.extensions import db
from portfolio.startups import operations as startups_operations
from portfolio.startups import portfolio
from portfolio.startups.models import CoIncubation, Incubator, Organisation, PhaseSpan, Sponsorship, Startup
from portfolio.timeutil import today_in_paris, utcnow

from conftest import count_statements, csrf_token, post_form, recorded_statements

TODAY = today_in_paris()
ROW = re.compile(r'<tr data-slug="([^"]+)"')
FUNNEL_TAG = re.compile(r'data-phase="([^"]+)"[^>]*>\s*[^<:]+ : (\d+)</a>', re.S)


def day(offset: int):
    return TODAY + timedelta(days=offset)


def add_startup(slug, name, *, pitch=None, incubator=None, co=(), sponsors=(), spans=(), updated_days_ago=0):
    startup = Startup(
        slug=slug,
        name=name,
        pitch=pitch,
        incubator=incubator,
        updated_at=utcnow() - timedelta(days=updated_days_ago),
        co_incubations=[CoIncubation(incubator=other) for other in co],
        sponsorships=[Sponsorship(organisation=organisation) for organisation in sponsors],
        phase_spans=[PhaseSpan(phase=phase, start=start, end=end) for phase, start, end in spans],
    )
    db.session.add(startup)
    return startup


@pytest.fixture
def app_overrides():
    return {"PAGE_SIZE": 4}


@pytest.fixture
def world(app):
    """Six startups covering each case of the day-D rule, the filters and the flags."""
    dge = Organisation(slug="dge", name="Direction générale des entreprises", acronym="DGE")
    urssaf = Organisation(slug="urssaf", name="Urssaf Caisse nationale", acronym="URSSAF")
    db.session.add(Organisation(slug="anct", name="Agence nationale de la cohésion des territoires"))  # sponsors nothing
    dinum = Incubator(slug="dinum", name="Incubateur de la DINUM")
    fabnum = Incubator(slug="fabnum", name="Fabrique numérique des ministères sociaux")
    # Construction for 300 days: under the 365-day norm. Updated 89 days ago: not stale.
    add_startup(
        "signaux-faibles", "Signaux Faibles", pitch="Détecter les entreprises en difficulté", incubator=dinum,
        sponsors=[dge], spans=[("investigation", day(-400), day(-300)), ("construction", day(-300), None)],
        updated_days_ago=89,
    )
    # Acceleration for 800 days (norm 730): long in phase; co-incubated by fabnum.
    add_startup(
        "place-des-entreprises", "Place des Entreprises", pitch="Orienter vers le bon conseiller", incubator=dinum,
        co=[fabnum], sponsors=[urssaf, dge], spans=[("acceleration", day(-800), None)],
    )
    # Investigation for 200 days (norm 183): long in phase; updated 120 days ago: stale.
    add_startup(
        "ecole-inclusive", "École inclusive", pitch="Économie du handicap à l’ÉCOLE", incubator=fabnum,
        spans=[("investigation", day(-200), None)], updated_days_ago=120,
    )
    # An explicit end with no next phase: no phase from day -100 on.
    add_startup("arretee", "Arrêtée", incubator=dinum, spans=[("investigation", day(-500), day(-100))])
    # A planned span: no phase today, investigation from day +30.
    add_startup("future", "Future", spans=[("investigation", day(30), None)])
    # Two spans starting the same day: the later stage in lifecycle order wins.
    add_startup(
        "meme-jour", "Même jour", incubator=dinum,
        spans=[("investigation", day(-50), day(-50)), ("construction", day(-50), None)],
    )
    db.session.commit()


@pytest.fixture
def viewer(world, make_user, login):
    login(make_user(None))


def listed(client, **params) -> list[str]:
    """The slugs the list shows on every page, in order."""
    slugs, number = [], 1
    while True:
        response = client.get("/startups/", query_string={**params, "page": number})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        found = ROW.findall(response.get_data(as_text=True))
        slugs += found
        if len(found) < 4:
            return slugs
        number += 1


def exported(client, **params) -> list[dict]:
    response = client.get("/startups/export.csv", query_string=params)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_list_shows_each_startup_with_its_phase_incubator_sponsors_and_time_in_phase(client, viewer):
    page = client.get("/startups/").get_data(as_text=True)
    assert ROW.findall(page) == ["arretee", "ecole-inclusive", "future", "meme-jour"]
    assert "6 startups" in page
    row = page.split('data-slug="ecole-inclusive"')[1].split("</tr>")[0]
    assert "Investigation" in row and "Fabrique numérique des ministères sociaux" in row
    assert f"{day(-200):%d/%m/%Y}" in row and "6 mois" in row
    place = client.get("/startups/", query_string={"q": "place"}).get_data(as_text=True)
    row = place.split('data-slug="place-des-entreprises"')[1].split("</tr>")[0]
    assert "DGE, URSSAF" in row and "Co-incubée : Fabrique numérique" in row and "Accélération" in row


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"phase": "construction"}, ["meme-jour", "signaux-faibles"]),
        ({"phase": "aucune"}, ["arretee", "future"]),
        ({"incubator": "fabnum"}, ["ecole-inclusive", "place-des-entreprises"]),
        ({"incubator": "dinum", "phase": "acceleration"}, ["place-des-entreprises"]),
        ({"sponsor": "urssaf"}, ["place-des-entreprises"]),
        ({"sponsor": "dge"}, ["place-des-entreprises", "signaux-faibles"]),
        # The type-ahead's text as a person types or picks it: the listed name, the acronym, the name.
        ({"sponsor": "URSSAF — Urssaf Caisse nationale"}, ["place-des-entreprises"]),
        ({"sponsor": "DGE"}, ["place-des-entreprises", "signaux-faibles"]),
        ({"sponsor": " direction generale des entreprises "}, ["place-des-entreprises", "signaux-faibles"]),
        ({"q": "SIGNAUX"}, ["signaux-faibles"]),
        ({"q": "économie"}, ["ecole-inclusive"]),
        ({"q": "ECOLE"}, ["ecole-inclusive"]),
        ({"q": "école"}, ["ecole-inclusive"]),
        ({"q": "l'école"}, ["ecole-inclusive"]),
        ({"q": "entreprises"}, ["place-des-entreprises", "signaux-faibles"]),
        ({"q": "%"}, []),
        ({"flag": "stale"}, ["ecole-inclusive"]),
        ({"flag": "long_in_phase"}, ["ecole-inclusive", "place-des-entreprises"]),
    ],
)
def test_each_filter_selects_its_startups(client, viewer, params, expected):
    assert listed(client, **params) == expected


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-350, {"signaux-faibles": "investigation", "arretee": "investigation", "place-des-entreprises": "acceleration"}),
        # Day -300: investigation ends (exclusive) as construction starts.
        (-300, {"signaux-faibles": "construction", "arretee": "investigation", "place-des-entreprises": "acceleration"}),
        (-101, {"signaux-faibles": "construction", "arretee": "investigation", "ecole-inclusive": "investigation",
                "place-des-entreprises": "acceleration"}),
        # Day -100: the explicit end is reached, arretee has no phase any more.
        (-100, {"signaux-faibles": "construction", "ecole-inclusive": "investigation",
                "place-des-entreprises": "acceleration"}),
        (-50, {"signaux-faibles": "construction", "ecole-inclusive": "investigation",
               "place-des-entreprises": "acceleration", "meme-jour": "construction"}),
        # Future span: investigation once its day has come.
        (40, {"signaux-faibles": "construction", "ecole-inclusive": "investigation",
              "place-des-entreprises": "acceleration", "meme-jour": "construction", "future": "investigation"}),
    ],
)
def test_on_shows_the_phase_of_each_startup_on_that_day(client, viewer, offset, expected):
    rows = exported(client, on=day(offset).isoformat())
    assert {row["slug"]: row["phase"] for row in rows if row["phase"]} == expected
    assert all(row["phase"] == "" and row["phase_since"] == "" for row in rows if row["slug"] not in expected)
    assert listed(client, on=day(offset).isoformat(), phase="aucune") == sorted(
        {row["slug"] for row in rows} - set(expected)
    )


def test_funnel_counts_startups_per_phase_under_the_other_filters(client, viewer):
    counts = dict(FUNNEL_TAG.findall(client.get("/startups/").get_data(as_text=True)))
    assert counts == {
        "investigation": "1", "construction": "2", "acceleration": "1", "consolidation": "0", "opere": "0",
        "transfere": "0", "abandon-investigation": "0", "abandon": "0", "aucune": "2",
    }
    # The phase filter narrows the list, not the funnel.
    page = client.get("/startups/", query_string={"phase": "construction"}).get_data(as_text=True)
    assert dict(FUNNEL_TAG.findall(page))["acceleration"] == "1"
    query = portfolio.PortfolioQuery(on=TODAY, incubator="fabnum")
    result = portfolio.funnel(query)
    assert {step.phase: step.count for step in result.steps if step.count} == {"investigation": 1, "acceleration": 1}
    assert (result.without_phase, result.total) == (0, 2)
    on_future = portfolio.funnel(portfolio.PortfolioQuery(on=day(40), text="future"))
    assert ({s.phase: s.count for s in on_future.steps if s.count}, on_future.without_phase) == ({"investigation": 1}, 0)


def test_a_past_days_phases_are_counted_once_and_again_when_that_history_changes(app, client, viewer, make_user):
    """The phases of a day before today change only when the phase history does: a phase change of
    today leaves what was counted of that day as it was (no count is run again); a phase corrected in
    the past is counted on the very next request."""
    def funnel_of(page: str) -> dict:
        return {phase: int(count) for phase, count in FUNNEL_TAG.findall(page)}

    def counting(executed) -> list[str]:
        return [sql for sql in executed if "FROM phase_periods" in sql and "GROUP BY" in sql]

    past = {"on": day(-10).isoformat()}
    first = funnel_of(client.get("/startups/", query_string=past).get_data(as_text=True))
    assert (first["construction"], first["acceleration"]) == (2, 1)
    with recorded_statements() as executed:
        again = funnel_of(client.get("/startups/", query_string=past).get_data(as_text=True))
    assert again == first and not counting(executed)
    coach = make_user("admin")
    signaux = db.session.query(Startup).filter_by(slug="signaux-faibles").one()
    startups_operations.change_phase(signaux, "acceleration", TODAY, by=coach, reason="Comité d’investissement")
    db.session.commit()
    with recorded_statements() as executed:
        after_today = funnel_of(client.get("/startups/", query_string=past).get_data(as_text=True))
    assert after_today == first and not counting(executed)
    # The same startup's phase corrected from day -20 on: day -10 is counted again, and says so.
    signaux = db.session.query(Startup).filter_by(slug="signaux-faibles").one()
    span = next(span for span in signaux.phase_spans if span.phase == "construction")
    startups_operations.correct_span(span, "acceleration", span.start, span.end, by=coach, reason="Erreur de saisie",
                                      confirmed=True)
    db.session.commit()
    with recorded_statements() as executed:
        corrected = funnel_of(client.get("/startups/", query_string=past).get_data(as_text=True))
    assert (corrected["construction"], corrected["acceleration"]) == (1, 2) and counting(executed)


def test_flags_show_stale_and_long_in_phase_startups_as_badges(client, viewer):
    rows = {row["slug"]: row for row in exported(client)}
    assert {slug for slug, row in rows.items() if row["stale"] == "oui"} == {"ecole-inclusive"}
    assert {slug for slug, row in rows.items() if row["long_in_phase"] == "oui"} == {
        "ecole-inclusive", "place-des-entreprises",
    }
    page = client.get("/startups/", query_string={"q": "ecole"}).get_data(as_text=True)
    assert re.search(r'data-flag="stale" title="Aucune mise à jour depuis plus de 90 jours">Pas à jour<', page)
    assert re.search(
        r'data-flag="long_in_phase" title="Plus de 183 jours dans la phase Investigation">Phase longue<', page
    )
    assert "Investigation : 183 jours, Construction : 365 jours" in page
    quiet = client.get("/startups/", query_string={"q": "signaux"}).get_data(as_text=True)
    assert "data-flag=" not in quiet


def runner_rebuild(app) -> int:
    result = app.test_cli_runner().invoke(args=["status", "rebuild"])
    assert result.exit_code == 0, result.output
    return int(result.output.split()[0])


def test_flags_follow_the_configured_norms(app, world):
    app.config["PHASE_NORMS_DAYS"] = {"construction": 299}
    app.config["STALE_AFTER_DAYS"] = 30
    # The status rows hold the flags' days: a deployment that changes the norms rebuilds them.
    assert runner_rebuild(app) > 0
    rows = {row.slug: row for row in portfolio.all_rows(portfolio.PortfolioQuery(on=TODAY))}
    assert {slug for slug, row in rows.items() if row.long_in_phase} == {"signaux-faibles"}
    assert {slug for slug, row in rows.items() if row.stale} == {"signaux-faibles", "ecole-inclusive"}
    # As of an earlier day, the time in phase is counted up to that day.
    earlier = portfolio.all_rows(portfolio.PortfolioQuery(on=day(-2), text="signaux"))
    assert earlier[0].days_in_phase == 298 and not earlier[0].long_in_phase


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["arretee", "ecole-inclusive", "future", "meme-jour", "place-des-entreprises", "signaux-faibles"]),
        ("-name", ["signaux-faibles", "place-des-entreprises", "meme-jour", "future", "ecole-inclusive", "arretee"]),
        # No phase first, then lifecycle order, then name.
        ("phase", ["arretee", "future", "ecole-inclusive", "meme-jour", "signaux-faibles", "place-des-entreprises"]),
        # Startups without a phase last, in both directions.
        ("phase_since", ["place-des-entreprises", "signaux-faibles", "ecole-inclusive", "meme-jour", "arretee", "future"]),
        ("-phase_since", ["meme-jour", "ecole-inclusive", "signaux-faibles", "place-des-entreprises", "arretee", "future"]),
        ("-updated", ["arretee", "future", "meme-jour", "place-des-entreprises", "signaux-faibles", "ecole-inclusive"]),
    ],
)
def test_sort_orders_the_list_and_the_export_alike(client, viewer, sort, expected):
    if sort == "-updated":
        # Equal update times would make the order fall back on the name: separate them.
        for minutes, slug in enumerate(expected[:4]):
            db.session.query(Startup).filter_by(slug=slug).update({"updated_at": utcnow() - timedelta(minutes=minutes)})
        db.session.commit()
    assert listed(client, sort=sort) == expected
    assert [row["slug"] for row in exported(client, sort=sort)] == expected


def test_pagination_splits_the_list_and_keeps_the_filters(client, viewer):
    first = client.get("/startups/", query_string={"sort": "-name"}).get_data(as_text=True)
    assert len(ROW.findall(first)) == 4 and "6 startups" in first
    assert 'class="fr-pagination' in first and "sort=-name" in first and "page=2" in first
    second = client.get("/startups/", query_string={"sort": "-name", "page": 2}).get_data(as_text=True)
    assert ROW.findall(second) == ["ecole-inclusive", "arretee"]
    beyond = client.get("/startups/", query_string={"page": 9})
    assert beyond.status_code == 200 and ROW.findall(beyond.get_data(as_text=True)) == []


@pytest.mark.parametrize("phase", [None, "construction", "investigation", portfolio.NO_PHASE])
def test_the_page_count_read_from_the_funnel_is_the_number_of_startups_selected(app, viewer, phase):
    for flag in (None, "stale"):
        query = portfolio.PortfolioQuery(on=TODAY, phase=phase, flag=flag)
        listing = portfolio.listing(query, page=1, per_page=2)
        assert listing.pagination.total == len(portfolio.all_rows(query))
        assert listing.pagination.pages == -(-listing.pagination.total // 2)


def test_export_is_the_view_on_every_page_with_its_columns(client, viewer):
    response = client.get("/startups/export.csv", query_string={"incubator": "dinum", "sort": "-name"})
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="portefeuille-startups-{TODAY.isoformat()}.csv"'
    )
    text = response.get_data().decode("utf-8-sig")
    assert text.splitlines()[0] == (
        "slug,name,incubator,co_incubators,phase,phase_label,phase_since,days_in_phase,sponsors,updated_at,"
        "stale,long_in_phase,committee_status,committee_due,committee_scheduled,last_committee,health,"
        "impact_level,impact_on,impact_by"
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["slug"] for row in rows] == listed(client, incubator="dinum", sort="-name")
    place = next(row for row in rows if row["slug"] == "place-des-entreprises")
    assert place["committee_status"]  # an active startup of a list of today has its committee situation
    assert {key: place[key] for key in list(place)[:12]} == {
        "slug": "place-des-entreprises", "name": "Place des Entreprises", "incubator": "Incubateur de la DINUM",
        "co_incubators": "Fabrique numérique des ministères sociaux", "phase": "acceleration",
        "phase_label": "Accélération", "phase_since": day(-800).isoformat(), "days_in_phase": "800",
        "sponsors": "DGE|URSSAF", "updated_at": TODAY.isoformat(), "stale": "non", "long_in_phase": "oui",
    }
    arretee = next(row for row in rows if row["slug"] == "arretee")
    assert (arretee["phase"], arretee["phase_since"], arretee["sponsors"]) == ("", "", "")
    for params in ({"phase": "aucune"}, {"q": "école"}, {"sponsor": "dge", "on": day(-350).isoformat()}):
        assert [row["slug"] for row in exported(client, **params)] == listed(client, **params)


def test_export_link_carries_the_filters_and_the_day(client, viewer):
    page = client.get("/startups/", query_string={"phase": "construction", "q": "même", "page": 1})
    link = re.search(r'href="(/startups/export\.csv[^"]*)"', page.get_data(as_text=True)).group(1)
    assert "phase=construction" in link and "q=m%C3%AAme" in link and f"on={TODAY.isoformat()}" in link
    assert "page=" not in link


def test_a_formula_in_a_name_is_neutralised_in_the_export(client, viewer):
    add_startup("formule", "=HYPERLINK(\"http://x\")")
    db.session.commit()
    row = next(row for row in exported(client) if row["slug"] == "formule")
    assert row["name"] == "'=HYPERLINK(\"http://x\")"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"on": "2021-13-45"}, "Saisissez une date valide au format aaaa-mm-jj"),
        ({"on": "demain"}, "Saisissez une date valide au format aaaa-mm-jj"),
        ({"phase": "licorne"}, "Phase inconnue : « licorne »"),
        ({"incubator": "nulle-part"}, "Aucun incubateur ne s’appelle « nulle-part »"),
        ({"sponsor": "nulle-part"}, "Aucune organisation ne s’appelle « nulle-part »"),
        ({"sponsor": "anct"}, "Agence nationale de la cohésion des territoires ne sponsorise aucune startup"),
        ({"sponsor": "Agence nationale de la cohésion des territoires"},
         "Agence nationale de la cohésion des territoires ne sponsorise aucune startup"),
        ({"sort": "taille"}, "Tri inconnu : « taille »"),
        ({"flag": "rouge"}, "Signalement inconnu : « rouge »"),
    ],
)
def test_bad_parameters_give_a_french_error_with_the_form(client, viewer, params, message):
    for url in ("/startups/", "/startups/export.csv"):
        response = client.get(url, query_string=params)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and response.mimetype == "text/html"
        assert message in page and "Les filtres contiennent des erreurs" in page
        assert '<form method="get"' in page and ROW.findall(page) == []


def test_an_empty_date_means_today(client, viewer):
    page = client.get("/startups/", query_string={"on": ""}).get_data(as_text=True)
    assert f'value="{TODAY.isoformat()}"' in page and "6 startups" in page


def test_rows_link_to_the_startup_page_when_it_exists(app, client, viewer):
    page = client.get("/startups/", query_string={"q": "signaux"}).get_data(as_text=True)
    linked = 'href="/startups/signaux-faibles"' in page
    assert linked == ("startups.detail" in app.view_functions)


def test_only_those_who_may_create_a_startup_see_the_create_button(app, client, world, make_user, login):
    exists = "startups.create" in app.view_functions
    login(make_user("finance"))
    assert "Créer une startup" not in client.get("/startups/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(make_user("coach", scope="dinum"))
    assert ("Créer une startup" in client.get("/startups/").get_data(as_text=True)) == exists


def test_the_portfolio_is_in_the_navigation_of_everyone_logged_in(client, viewer):
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<a class="fr-nav__link" href="/startups/"[^>]*>Portefeuille</a>', page)


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    for url in ("/startups/", "/startups/export.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


class TestQueryCount:
    @pytest.fixture
    def app_overrides(self):
        return {"PAGE_SIZE": 50}

    @staticmethod
    def grow_to(size: int) -> None:
        """Startups each with spans, two sponsors and a co-incubator, up to `size` in all."""
        organisations = db.session.query(Organisation).order_by(Organisation.slug).all() or [
            Organisation(slug=f"org-{n}", name=f"Organisation {n}") for n in range(3)
        ]
        incubators = db.session.query(Incubator).order_by(Incubator.slug).all() or [
            Incubator(slug=f"inc-{n}", name=f"Incubateur {n}") for n in range(2)
        ]
        start = db.session.query(Startup).count()
        for n in range(start, size):
            add_startup(
                f"startup-{n:03}", f"Startup {n:03}", pitch="Une mission", incubator=incubators[n % 2],
                co=[incubators[(n + 1) % 2]], sponsors=[organisations[n % 3], organisations[(n + 1) % 3]],
                spans=[("investigation", day(-400 - n), day(-200)), ("construction", day(-200), None)],
                updated_days_ago=n * 5,
            )
        db.session.commit()

    def test_the_list_and_the_export_use_as_many_statements_for_5_as_for_40_startups(
        self, app, client, make_user, login
    ):
        login(make_user(None))
        pages = [
            ("/startups/", {}),
            ("/startups/", {"sponsor": "org-1", "q": "startup", "incubator": "inc-0", "sort": "phase"}),
            ("/startups/export.csv", {}),
            ("/startups/export.csv", {"sponsor": "org-1", "on": day(-300).isoformat()}),
        ]
        self.grow_to(5)
        # The first request loads the account into the session, which the test's app context keeps.
        count_statements(client, "/startups/")
        small = [count_statements(client, url, **params) for url, params in pages]
        self.grow_to(40)
        assert len(exported(client)) == 40  # also reloads the account the commit expired, as above
        # The phases counted for 5 startups were kept (the first request): so are those for 40.
        count_statements(client, "/startups/")
        large = [count_statements(client, url, **params) for url, params in pages]
        assert small == large

    def test_the_portfolio_queries_take_a_fixed_number_of_statements(self, app):
        self.grow_to(40)
        query = portfolio.PortfolioQuery(on=TODAY, sponsor="org-1", incubator="inc-0", text="startup")
        with recorded_statements() as executed:
            # Whether the status rows are of today, the funnel (which gives the count), the page's
            # rows (sponsors and co-incubators are the status rows'); the funnel alone; the export.
            page = portfolio.listing(query, page=1, per_page=50)
            assert len(page.rows) > 0 and page.pagination.total == page.funnel.total and len(executed) == 3
            portfolio.funnel(query)
            assert len(executed) == 4
            # The process has seen today's rows: it does not ask again today.
            portfolio.all_rows(query)
            assert len(executed) == 5
            # Another day: the funnel's phases and its total, the page's ids, then their rows.
            portfolio.listing(dataclasses.replace(query, on=TODAY - timedelta(days=300)), page=1, per_page=50)
            assert len(executed) == 9

    def test_todays_list_reads_the_status_rows_and_shows_a_write_at_once(self, app, make_user):
        self.grow_to(12)
        query = portfolio.PortfolioQuery(on=TODAY)
        with recorded_statements() as executed:
            first = portfolio.listing(query, page=1, per_page=5)
        # Today's phases, flags and order are the status rows': no window over the phase spans.
        assert not any("phase_spans" in sql for sql in executed)
        # A write of any user (here a phase change) is seen by the very next listing.
        coach = make_user("admin")
        startup = db.session.query(Startup).filter_by(slug="startup-000").one()
        startups_operations.change_phase(startup, "acceleration", TODAY, by=coach, reason="Revue du comité")
        db.session.commit()
        after = portfolio.listing(query, page=1, per_page=5)
        assert after.funnel.selected("acceleration") == first.funnel.selected("acceleration") + 1
        assert next(row for row in after.rows if row.slug == "startup-000").phase == "acceleration"


def test_a_phase_change_shows_on_the_very_next_list_request(app, client, world, make_user, login):
    coach = make_user("coach", scope="dinum")
    login(coach)
    def phase_shown(page: str) -> str:
        row = re.search(r'<tr data-slug="signaux-faibles">(.*?)</tr>', page, re.S).group(1)
        return next(label for label in ("Construction", "Accélération") if re.search(rf"<td[^>]*>\s*{label}\b", row))

    with recorded_statements() as executed:
        before = client.get("/startups/", query_string={"q": "signaux"}).get_data(as_text=True)
    assert phase_shown(before) == "Construction"
    assert not any("phase_spans" in sql for sql in executed)
    response = post_form(
        client, "/startups/signaux-faibles/phase",
        {"phase": "acceleration", "on": TODAY.isoformat(), "reason": "Comité d’investissement"},
        token_from="/startups/signaux-faibles/phase",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    after = client.get("/startups/", query_string={"q": "signaux"}).get_data(as_text=True)
    assert phase_shown(after) == "Accélération"


def test_a_rows_text_sponsors_and_co_incubators_changed_show_on_the_very_next_list_request(app, client, viewer):
    """A row is kept under its record: any value it shows, changed, renders it again (here the pitch, a
    column of the startup, and the sponsors and co-incubators, values of its status row)."""
    def row_of(page: str) -> str:
        return re.search(r'<tr data-slug="signaux-faibles">(.*?)</tr>', page, re.S).group(1)

    before = row_of(client.get("/startups/", query_string={"q": "signaux"}).get_data(as_text=True))
    assert "Détecter les entreprises en difficulté" in before and "Sponsors : DGE" in before
    startup = db.session.query(Startup).filter_by(slug="signaux-faibles").one()
    startups_operations.edit_startup(
        startup, startup.incubator, co_incubators=[db.session.query(Incubator).filter_by(slug="fabnum").one()],
        sponsors=[db.session.query(Organisation).filter_by(slug="urssaf").one()], name="Signaux Faibles",
        pitch="Prévenir les défaillances",
    )
    db.session.commit()
    after = row_of(client.get("/startups/", query_string={"q": "signaux"}).get_data(as_text=True))
    assert "Prévenir les défaillances" in after and "Détecter" not in after
    assert "Sponsors : URSSAF" in after and "DGE" not in after
    assert "Co-incubée : Fabrique numérique des ministères sociaux" in after


def test_the_incubator_and_sponsor_filters_are_text_fields_not_lists_of_every_organisation(client, viewer):
    """The page costs the same with 20 incubators or 700: nothing lists them all; a name typed is found."""
    page = client.get("/startups/", query_string={"sponsor": "dge", "incubator": "Fabrique numérique des ministères sociaux"}).get_data(as_text=True)
    for name, typed in (("sponsor", "dge"), ("incubator", "Fabrique numérique des ministères sociaux")):
        field = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        assert 'type="text"' in field and f'value="{typed}"' in field
    assert "<datalist" not in page and "<option value=\"urssaf\"" not in page
    assert ROW.findall(page) == ["place-des-entreprises"]  # co-incubated by the Fabrique, sponsored by the DGE
    assert ROW.findall(client.get("/startups/", query_string={"incubator": "FABRIQUE NUMERIQUE DES MINISTERES SOCIAUX"})
                       .get_data(as_text=True)) == ["ecole-inclusive", "place-des-entreprises"]