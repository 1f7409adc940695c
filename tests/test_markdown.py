"""Long texts in Markdown: headings and lists rendered, raw HTML not kept (a script dropped with its
content), links only to http, https and mailto with rel="noopener"; the pages that show imported
descriptions, milestones and minutes render them through the one `markdown` filter."""
from sqlalchemy import select

from portfolio.audit.tracking import acting_as
from portfolio.core.markdown import render_markdown
from portfolio.extensions import db
from portfolio.startups.models import Startup


def test_headings_lists_and_emphasis_are_rendered():
    html = render_markdown("## Le constat\n\n- un\n- deux\n\n1. premier\n\n**gras** et *italique*")
    assert "<h4>Le constat</h4>" in html  # moved two levels down, under the page's own h2
    assert "<ul>\n<li>un</li>\n<li>deux</li>\n</ul>" in html and "<ol>\n<li>premier</li>\n</ol>" in html
    assert "<strong>gras</strong>" in html and "<em>italique</em>" in html
    assert render_markdown("# Titre", heading_shift=0) == "<h1>Titre</h1>\n"


def test_a_script_is_not_kept_nor_any_raw_html():
    html = render_markdown('Avant\n\n<script>alert("x")</script>\n\n<div onclick="x()">texte <img src=x onerror=y></div>'
                           '\n\n<iframe src="https://x"></iframe>')
    assert "<script" not in html and "alert" not in html and "<iframe" not in html
    assert "<div" not in html and "onclick" not in html and "<img" not in html and "onerror" not in html
    assert "Avant" in html and "texte" in html


def test_links_get_noopener_and_only_safe_schemes():
    html = render_markdown("[site](https://beta.gouv.fr) <contact@beta.gouv.fr> [x](javascript:alert(1)) "
                           '<a href="data:text/html,x">d</a> <a href="/admin">relatif</a>')
    assert '<a href="https://beta.gouv.fr" rel="noopener">site</a>' in html
    assert '<a href="mailto:contact@beta.gouv.fr" rel="noopener">' in html
    assert 'href="javascript' not in html and 'href="data:' not in html and 'href="/admin"' not in html


def test_a_link_whose_address_is_refused_is_shown_as_plain_text():
    """The registry has "[LIFE BIODIV' France](ttps://ofb.gouv.fr/…)": an <a> left without href would
    read as a disabled link, greyed below the contrast AA asks for."""
    html = render_markdown("le programme [LIFE BIODIV' France](ttps://ofb.gouv.fr/life) et "
                           '<a href="javascript:alert(1)">un piège</a>, puis [le site](https://ofb.gouv.fr)')
    assert "le programme LIFE BIODIV’ France et un piège, puis" in html.replace("'", "’")
    assert html.count("<a ") == 1 and '<a href="https://ofb.gouv.fr" rel="noopener">le site</a>' in html


def test_no_text_gives_nothing():
    assert render_markdown(None) == "" and render_markdown("  \n") == ""


def test_the_startup_page_renders_its_description_and_milestones_as_markdown(client, demo, make_user, login):
    login(make_user("finance"))
    startup = db.session.scalar(select(Startup).where(Startup.slug == "signaux-faibles"))
    with acting_as(label="test"):
        startup.description = "## Le problème\n\n- des entreprises en difficulté\n\n<script>alert(1)</script>"
        db.session.commit()
    page = client.get("/startups/signaux-faibles").get_data(as_text=True)
    description = page[page.index('data-testid="description"'):page.index('id="equipe"')]
    assert "<h4>Le problème</h4>" in description and "<li>des entreprises en difficulté</li>" in description
    assert "<script>alert" not in page and "alert(1)" not in description
