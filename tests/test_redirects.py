"""Where forms send people back: only paths of this site (the login's `next`, a follow-up's `next`)."""
import pytest

from portfolio.core.redirects import safe_path


@pytest.mark.parametrize("target", ["/startups/", "/governance/meetings/3#decisions", "/a-faire?page=2"])
def test_a_path_of_this_site_is_kept(target):
    assert safe_path(target, "/") == target


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example/", "javascript:alert(1)",
     "evil.example", "", None],
)
def test_another_host_or_scheme_falls_back(target):
    assert safe_path(target, "/") == "/"


def test_the_login_never_sends_to_another_host(client, make_user):
    from conftest import PASSWORD, post_form

    user = make_user("coach")
    response = post_form(client, "/login?next=/%5Cevil.example", {"email": user.email, "password": PASSWORD},
                         token_from="/login")
    assert response.status_code == 302 and response.headers["Location"] in ("/", "http://localhost/")
