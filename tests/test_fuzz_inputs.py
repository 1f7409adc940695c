"""Generated input on every route: query arguments on every GET, form fields (CSRF token included)
on every POST, as every role, on the suite's database. No request may answer a server error, and a
request that is not a successful submission (a redirect away from the login page) changes nothing:
the number of audit events, which every write leaves, stays the same.

The fields a route is sent are those its own page shows (parsed from the GET of the same URL, with
their options), else those of every form of the application; values mix the page's own options with
hostile ones (dates out of range, ids and amounts beyond any column, `javascript:` links, NUL
characters, long texts). FUZZ_EXAMPLES (default 5) sets the generated examples per route and method,
on top of the boundary requests (each field's hostile values behind valid others, every field at once).

The test prints how many requests it sent per route group (blueprint); FUZZ_LOG=path also appends a
line per route as it goes.
"""
import io
import os
import time
import traceback
from collections import Counter
from html.parser import HTMLParser
from typing import NamedTuple

import pytest
from flask import got_request_exception, url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portfolio.audit.models import AuditEvent
from portfolio.extensions import db
from portfolio.forms import Form

from conftest import CSRF_META, PASSWORD
from test_access_matrix import ANONYMOUS, EXPECTED, ROLES, sample  # noqa: F401  (the sample fixture)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
#: Not fuzzed: the assets, and logging out (it would end the role's session for the next examples).
SKIPPED = {("static", "GET"), ("accounts.logout", "POST")}
#: Query arguments some page reads, beyond its filter forms' fields.
QUERY_NAMES = (
    "page", "per_page", "on", "q", "phase", "incubator", "sponsor", "flag", "sort", "status", "statut",
    "year", "startup", "code", "next", "since", "until", "actor", "object_type", "object_id",
)
HOSTILE = (
    "", " ", "0", "-1", "1", "2", "9223372036854775808", "-9223372036854775809", "1e400", "NaN", "inf",
    "999999999999999999999,99", "1 000,555", "12,5", "0001-01-01", "9999-12-31", "1989-12-31", "2101-01-01",
    "2024-02-30", "2024-13-01", "31/12/2024", "2024-03-31", "2024-T5", "9999-T1", "25:61",
    "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "http://exemple.fr", "https://x",
    "\x00", "a\x00b", "<script>alert(1)</script>", "' OR 1=1 --", "x" * 3000, "é" * 301,
)


@pytest.fixture
def app_overrides():
    # Crashes answer 500 as in production; their tracebacks are collected by a signal.
    return {"PROPAGATE_EXCEPTIONS": False}


class _Forms(HTMLParser):
    """The forms of a page: method, and each field's name, type and option values."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (attributes.get("method") or "get").lower(), "fields": {}})
        elif not self.forms:
            return
        elif tag in ("input", "textarea", "select", "button") and attributes.get("name"):
            field = self.forms[-1]["fields"].setdefault(
                attributes["name"], {"type": attributes.get("type", tag), "options": []}
            )
            if attributes.get("value") is not None:
                field["options"].append(attributes["value"])
            self._select = attributes["name"] if tag == "select" else None
        elif tag == "option" and self._select:
            self.forms[-1]["fields"][self._select]["options"].append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _page_fields(html: str, method: str) -> dict:
    parser = _Forms()
    parser.feed(html)
    fields: dict = {}
    for form in parser.forms:
        if form["method"] == method:
            for name, field in form["fields"].items():
                fields.setdefault(name, {"type": field["type"], "options": []})["options"].extend(field["options"])
    fields.pop("csrf_token", None)
    return fields


def _all_form_fields() -> dict:
    """Every field name declared by a form class of the application."""
    names: dict = {}
    pending = list(Form.__subclasses__())
    while pending:
        form_class = pending.pop()
        pending.extend(form_class.__subclasses__())
        for name in dir(form_class):
            unbound = getattr(form_class, name, None)
            if getattr(unbound, "field_class", None) is not None:
                kind = "file" if "File" in unbound.field_class.__name__ else "text"
                names.setdefault(name, {"type": kind, "options": []})
    names.pop("csrf_token", None)
    return names


#: A value each kind of field accepts, so that one hostile field is checked behind valid others.
BENIGN = {
    "date": "2024-03-31", "number": "1", "url": "https://exemple.beta.gouv.fr", "email": "personne@beta.gouv.fr",
    "time": "10:00", "checkbox": "y", "radio": "", "hidden": "", "search": "texte", "submit": "",
}
#: The hostile values tried on each field, by kind, one field at a time behind valid others.
BOUNDARIES = {
    "date": ("0001-01-01", "9999-12-31"),
    "number": ("9223372036854775808", "-9223372036854775809"),
    "url": ("javascript:alert(1)", "data:text/html,<script>alert(1)</script>"),
    "text": ("a\x00b", "999999999999999999999,99"),
}
#: The values every field (every query argument) gets at once, one request each.
ALL_AT_ONCE = ("9223372036854775808", "0001-01-01", "9999-12-31", "-1", "a\x00b", "x" * 2000)
#: Beyond this many fields, a form's hostile values go to all fields of a kind at once, not one by one.
FIELD_BY_FIELD = 10


class Upload(NamedTuple):
    """A file to send; opened afresh for each request (the test client closes what it sent)."""

    content: bytes
    name: str


def _pdf_file():
    return Upload(b"%PDF-1.4\n%%EOF\n", "convention.pdf")


def _opened(value):
    if isinstance(value, Upload):
        return (io.BytesIO(value.content), value.name)
    if isinstance(value, list):
        return [_opened(item) for item in value]
    return value


def _benign(field: dict):
    if field["type"] == "file":
        return _pdf_file()
    options = [option for option in field["options"] if option]
    if options:
        return options[0]
    return BENIGN.get(field["type"], "Texte de test")


def _baseline(fields: dict) -> dict:
    return {name: _benign(field) for name, field in fields.items() if field["type"] not in ("submit", "radio")}


def _boundary_inputs(fields: dict, method: str) -> list[dict]:
    """Every field at once with each of ALL_AT_ONCE; for a form, also each field with the hostile values
    of its kind while the others stay valid."""
    names = [name for name, field in sorted(fields.items()) if field["type"] != "file"]
    cases = [{name: value for name in names} for value in ALL_AT_ONCE]
    if method != "GET":
        baseline = _baseline(fields)
        kinds = {name: fields[name]["type"] if fields[name]["type"] in BOUNDARIES else "text" for name in names}
        groups = [[name] for name in names] if len(names) <= FIELD_BY_FIELD else [
            [name for name in names if kinds[name] == kind] for kind in sorted(set(kinds.values()))
        ]
        for group in groups:
            for value in BOUNDARIES[kinds[group[0]]]:
                cases.append(dict(baseline, **{name: value for name in group}))
    return cases


def _values(field: dict):
    hostile = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
    if field["type"] == "file":
        return st.builds(Upload, st.binary(max_size=300),
                         st.sampled_from(["registre.zip", "convention.pdf", "../x.txt"]))
    if field["options"]:
        return st.one_of(st.sampled_from(field["options"]), st.sampled_from(field["options"]), hostile)
    return hostile


def _inputs(fields: dict, method: str):
    """Some of `fields` (at least one when there are any), each with one or two generated values, over
    the valid baseline (a POST) or alone."""
    if not fields:
        return st.just({})
    names = sorted(fields)
    generated = st.lists(st.sampled_from(names), min_size=1, max_size=min(len(names), 12), unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries(
            {name: st.one_of(_values(fields[name]), st.lists(_values(fields[name]), min_size=2, max_size=2)
                             if fields[name]["type"] != "file" else _values(fields[name]))
             for name in chosen}
        )
    )
    if method == "GET":
        return generated
    return st.tuples(st.booleans(), generated).map(
        lambda pair: dict(_baseline(fields), **pair[1]) if pair[0] else pair[1]
    )


def _url_arguments(rule, sample_args: dict):
    arguments = {}
    for name in rule.arguments:
        real = sample_args[name]
        if isinstance(real, int):
            arguments[name] = st.one_of(st.just(real), st.just(real), st.sampled_from((0, 2**31, 2**63, 2**64)),
                                        st.integers(10**6, 2**64))
        else:
            arguments[name] = st.one_of(st.just(real), st.just(real), st.text(min_size=1, max_size=20))
    return st.fixed_dictionaries(arguments)


def _audit_events() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _logged_in_clients(app, sample) -> dict:
    clients = {ANONYMOUS: app.test_client()}
    for role in ROLES:
        client = app.test_client()
        token = CSRF_META.search(client.get("/login").get_data(as_text=True)).group(1)
        response = client.post("/login", data={"csrf_token": token, "email": sample["accounts"][role], "password": PASSWORD})
        assert response.status_code == 302, f"{role} could not log in"
        clients[role] = client
    return clients


def _csrf(client) -> str:
    match = CSRF_META.search(client.get("/login", follow_redirects=True).get_data(as_text=True))
    return match.group(1) if match else ""


def test_generated_input_never_crashes_nor_writes_when_refused(app, sample, capsys):
    clients = _logged_in_clients(app, sample)
    tokens = {role: _csrf(client) for role, client in clients.items()}
    every_form_field = _all_form_fields()
    crashes: list[str] = []
    silent_writes: list[str] = []
    requests_by_group: Counter = Counter()
    routes_by_group: Counter = Counter()

    def record_crash(sender, exception, **extra):
        crashes.append("".join(traceback.format_exception(exception)[-3:]))

    got_request_exception.connect(record_crash, app)
    started = time.monotonic()
    rules = {(rule.endpoint, method): rule for rule in app.url_map.iter_rules() for method in rule.methods}
    try:
        for (endpoint, method), allowed in sorted(_routes()):
            rule = rules[(endpoint, method)]
            group = endpoint.split(".")[0]
            routes_by_group[group] += 1
            real_args = {name: sample["url_args"][name] for name in rule.arguments}

            def send(role, url_args, inputs, with_token=True):
                with app.test_request_context():
                    url = url_for(endpoint, **url_args)
                before = _audit_events()
                crashes_before = len(crashes)
                client = clients[role]
                if method == "GET":
                    response = client.get(url, query_string=inputs)
                else:
                    data = {name: _opened(value) for name, value in inputs.items()}
                    if with_token:
                        data["csrf_token"] = tokens[role]
                    response = client.open(url, method=method, data=data, content_type="multipart/form-data")
                body = response.get_data()
                response.close()
                requests_by_group[group] += 1
                described = f"{role} {method} {url} {_short(inputs)}"
                if response.status_code >= 500 and len(crashes) == crashes_before:
                    crashes.append(f"{response.status_code} without a traceback")
                if len(crashes) > crashes_before:
                    crashes[-1] = f"{described}\n{crashes[-1]}"
                location = response.headers.get("Location", "")
                redirected = response.status_code in (301, 302, 303) and "/login" not in location
                # A new API token's secret is shown once, on the page that created it (no redirect).
                shown_once = response.status_code == 200 and b'data-testid="new-token-secret"' in body
                if not (redirected or shown_once) and _audit_events() != before:
                    silent_writes.append(f"{described} -> {response.status_code}")

            with app.test_request_context():
                real_url = url_for(endpoint, **real_args)
            fields = _fields_of(clients, allowed, real_url, method, every_form_field)
            writer = "admin" if "admin" in allowed else sorted(allowed)[0]
            # The boundaries first, by the role that may use the route: huge ids, then each field.
            if rule.arguments & {name for name, value in real_args.items() if isinstance(value, int)}:
                send(writer, {name: 2**63 if isinstance(value, int) else value for name, value in real_args.items()}, {})
            for inputs in _boundary_inputs(fields, method):
                send(writer, real_args, inputs)

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(role=st.one_of(st.sampled_from(sorted(allowed)), st.sampled_from((ANONYMOUS, *ROLES))),
                   url_args=_url_arguments(rule, sample["url_args"]), inputs=_inputs(fields, method),
                   with_token=st.sampled_from([True, True, True, False]))
            def one_request(role, url_args, inputs, with_token):
                send(role, url_args, inputs, with_token)

            one_request()
            if os.environ.get("FUZZ_LOG"):
                with open(os.environ["FUZZ_LOG"], "a", encoding="utf-8") as log:
                    log.write(f"{method} {endpoint}: {requests_by_group[group]} in {group}, {len(crashes)} crashes, "
                              f"{len(silent_writes)} silent writes, {time.monotonic() - started:.0f} s\n")
    finally:
        got_request_exception.disconnect(record_crash, app)
        db.session.remove()
    with capsys.disabled():
        print("\nfuzz: generated requests by route group:")
        for group in sorted(requests_by_group):
            print(f"  {group:22} {requests_by_group[group]:5} requests over {routes_by_group[group]} routes × methods")
        print(f"  {'total':22} {sum(requests_by_group.values()):5}")
    assert not crashes, f"{len(crashes)} server errors:\n" + "\n\n".join(crashes[:15])
    assert not silent_writes, "refused submissions that wrote:\n" + "\n".join(silent_writes[:20])


def _routes():
    for endpoint, methods in EXPECTED.items():
        for method, allowed in methods.items():
            if (endpoint, method) not in SKIPPED:
                yield (endpoint, method), allowed


def _fields_of(clients, allowed, url: str, method: str, every_form_field: dict) -> dict:
    """The fields a request to `url` may carry: its page's forms of that method, else every form field
    (a POST-only route, whose form sits on another page), plus the query arguments pages read."""
    reader = next((role for role in ("admin", *sorted(allowed)) if role in allowed), None)
    fields: dict = {}
    if reader is not None:
        response = clients[reader].get(url)
        if response.status_code == 200 and "html" in response.content_type:
            fields = _page_fields(response.get_data(as_text=True), method.lower())
        response.close()
    if method == "GET":
        for name in QUERY_NAMES:
            fields.setdefault(name, {"type": "text", "options": []})
    elif not fields:
        fields = every_form_field
    return fields


def _short(inputs: dict) -> str:
    text = repr(inputs)
    return text if len(text) < 300 else text[:300] + "…"
