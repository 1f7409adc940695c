"""Rendered fragments (portfolio.core.fragments): kept under the values they show, bounded in bytes,
never stale: a changed value is a new key, so a write shows at once on every page that lists it."""
import sys

from markupsafe import Markup

from portfolio.core.fragments import ENTRY_OVERHEAD_BYTES, Fragments


def test_a_fragment_is_rendered_once_per_key_and_again_for_another_key():
    kept, renders = Fragments(max_bytes=10_000), []

    def render(text):
        renders.append(text)
        return text

    assert kept.get(("row", 1, "Construction"), lambda: render("<tr>Construction</tr>")) == "<tr>Construction</tr>"
    assert kept.get(("row", 1, "Construction"), lambda: render("other")) == "<tr>Construction</tr>"
    assert kept.get(("row", 1, "Accélération"), lambda: render("<tr>Accélération</tr>")) == "<tr>Accélération</tr>"
    assert renders == ["<tr>Construction</tr>", "<tr>Accélération</tr>"]
    assert (kept.hits, kept.misses) == (1, 2)


def test_the_least_recently_used_fragments_leave_first_and_the_bytes_stay_under_the_bound():
    one = sys.getsizeof(Markup("x" * 1000)) + ENTRY_OVERHEAD_BYTES
    kept = Fragments(max_bytes=3 * one)
    for key in "abc":
        kept.get(key, lambda key=key: key * 1000)
    kept.get("a", lambda: "never rendered")  # "a" is used again: "b" is now the oldest
    kept.get("d", lambda: "d" * 1000)
    assert len(kept) == 3 and kept.size <= kept.max_bytes
    assert kept.get("b", lambda: "b rendered again") == "b rendered again"  # "b" had left; "c" leaves now
    assert kept.get("a", lambda: "never rendered") == "a" * 1000
    assert kept.get("c", lambda: "c rendered again") == "c rendered again"
    assert kept.size <= kept.max_bytes


def test_a_fragment_larger_than_the_bound_is_served_but_not_kept():
    kept = Fragments(max_bytes=500)
    assert kept.get("big", lambda: "x" * 1000) == "x" * 1000
    assert len(kept) == 0 and kept.size == 0


def test_the_menu_shows_each_person_the_sections_they_may_open_with_the_current_one_marked(client, make_user, login):
    import re

    from conftest import csrf_token

    def menu(url):
        html = client.get(url).get_data(as_text=True)
        nav = html[html.index('id="header-navigation"'):html.index("</nav>", html.index('id="header-navigation"'))]
        return re.findall(r'<a class="fr-nav__link" href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav)

    login(make_user("finance"))
    entries = menu("/funding/")
    assert ("/funding/", ' aria-current="page"', "Conventions") in entries and ("/", "", "Accueil") in entries
    assert not {"Comptes", "Journal d’audit", "Rappels"} & {label for _, _, label in entries}
    assert [label for _, current, label in entries if current] == ["Conventions"]
    assert [label for _, current, label in menu("/a-faire") if current] == ["À faire"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(make_user("admin"))
    entries = menu("/admin/audit")
    assert ("/admin/audit", ' aria-current="page"', "Journal d’audit") in entries
    assert [label for _, current, label in entries if current] == ["Journal d’audit"]


def test_counts_are_kept_like_fragments_and_count_in_the_bound():
    kept, counted = Fragments(max_bytes=10_000), []

    def count():
        counted.append(1)
        return [("construction", 12), ("investigation", 3)]

    assert kept.counts(("phases-on", "2024-06-30", 7), count) == (("construction", 12), ("investigation", 3))
    assert kept.counts(("phases-on", "2024-06-30", 7), count) == (("construction", 12), ("investigation", 3))
    assert len(counted) == 1
    assert kept.size > sys.getsizeof(()) + ENTRY_OVERHEAD_BYTES  # the pairs and their values are counted
    tiny = Fragments(max_bytes=ENTRY_OVERHEAD_BYTES + 50)
    assert tiny.counts("k", count) == (("construction", 12), ("investigation", 3)) and len(tiny) == 0
