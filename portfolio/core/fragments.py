"""Parts of pages kept once rendered, under the values they are rendered from.

A fragment (a row of the portfolio, a Markdown text as HTML…) is a pure function of a few values:
kept under a key made of those very values, it is rendered again only when one of them changes,
whatever the page, the reader or the filters that show it. No write has anything to empty: a
changed value is a new key, and the old entry ages out. Each process keeps its own entries,
bounded in bytes (`FRAGMENT_CACHE_BYTES`, least recently used out first), so they are never stale,
in any process, and never grow past the bound.

A fragment's template sees only what it is given (no request, no signed-in person, no permission):
what it shows must be the same for every reader who may see it. A page's body (`page_body`) is the
one exception: rendered in the request, it is kept under the request's arguments too.
"""
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable

from flask import current_app, request
from markupsafe import Markup

#: What an entry costs beside its text (its key, the dictionary's slot), counted in the bound.
ENTRY_OVERHEAD_BYTES = 256


class Fragments:
    """A least-recently-used map of rendered fragments, bounded in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = self.misses = 0
        self._entries: OrderedDict[Hashable, Markup | tuple] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, render: Callable[[], str]) -> Markup:
        """The fragment kept under `key`, or `render()`'s, kept for next time."""
        html = self.peek(key)
        return html if html is not None else self.put(key, Markup(render()))

    def counts(self, key: Hashable, count: Callable[[], tuple]) -> tuple:
        """The figures kept under `key` (a few (name, count) pairs a page shows), or `count()`'s, kept
        for next time."""
        figures = self.peek(key)
        return figures if figures is not None else self.put(key, tuple(tuple(pair) for pair in count()))

    def peek(self, key: Hashable) -> Markup | tuple | None:
        """The fragment kept under `key`, if any (for pages that render what is missing in one go)."""
        with self._lock:
            html = self._entries.get(key)
            if html is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return html

    def put(self, key: Hashable, value: Markup | tuple) -> Markup | tuple:
        """Keep `value` (a fragment, or a tuple of counts) under `key` (unless it alone is larger than
        the bound); returns it."""
        cost = _cost(value)
        with self._lock:
            if cost > self.max_bytes or key in self._entries:
                return value
            self._entries[key] = value
            self.size += cost
            while self.size > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self.size -= _cost(evicted)
        return value


def _cost(value: Markup | tuple) -> int:
    """The bytes an entry counts for: its text, or its tuples and what they hold, and its overhead."""
    return _bytes(value) + ENTRY_OVERHEAD_BYTES


def _bytes(value) -> int:
    return sys.getsizeof(value) + (sum(_bytes(item) for item in value) if isinstance(value, tuple) else 0)


def init_app(app) -> None:
    app.extensions["fragments"] = Fragments(app.config["FRAGMENT_CACHE_BYTES"])


def kept() -> Fragments:
    return current_app.extensions["fragments"]


def counts_under(key: tuple, revision: int | None, count: Callable[[], Iterable]) -> tuple:
    """The figures `count()` gives (a few (name, count) pairs), kept under `key` and `revision`: the
    revision of what they count. A revision never drawn (0 or None: data written by a migration or a
    restore alone, or figures of a filtered selection) keeps nothing: counted every time."""
    if not revision:
        return tuple(tuple(pair) for pair in count())
    return kept().counts((*key, revision), count)


def rendered(template: str, **values) -> str:
    """`template` rendered with `values` alone (no request context, no signed-in person)."""
    return current_app.jinja_env.get_template(template).render(**values)


def render(template: str, key: Hashable, **values) -> Markup:
    """`template` rendered with `values`, kept under (`template`, `key`): `key` must hold everything
    of `values` the template reads."""
    return kept().get((template, key), lambda: rendered(template, **values))


def page_body(template: str, values: Hashable, render: Callable[[], str]) -> Markup:
    """A page's body (`render()`, which renders `template` in the request), kept under the request's
    arguments (its form shows them as typed, its links carry them) and `values`: everything else it
    is drawn from (the day, its counts, its rows as kept, its page's place)."""
    return kept().get((template, tuple(request.args.items(multi=True)), values), render)
