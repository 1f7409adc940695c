"""Long free text (registry descriptions, pitches, minutes, milestones, conditions…) rendered from
Markdown to safe HTML: the one `markdown` filter every template uses.

markdown-it-py renders CommonMark (raw HTML passed through to the sanitiser, which decides); nh3
then keeps only the tags Markdown itself produces, with no attribute but a link's href and title:
`<script>`, `<style>` and `<iframe>` are dropped with their content, any other raw tag is dropped
and its text kept. A link keeps its href only for http, https and mailto, and gets rel="noopener";
one whose address is refused (another scheme, a typo such as "ttps://") is shown as its plain text.
Headings are moved down (`##` becomes an h4 under the page's own h2 by default) so that a text
never outranks the page it is shown in.
"""
import re
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

#: What CommonMark (with tables and strikethrough) renders, and nothing else.
ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code",
    "strong", "em", "del", "a", "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
#: Dropped with everything inside them, not just their tags.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "noscript", "template"})

#: A link left without its href by the sanitiser: an `<a>` without href reads as a disabled link
#: (the DSFR greys it below the contrast AA asks for), so its text is kept, the tag dropped.
_LINK_WITHOUT_HREF = re.compile(r"<a(?![^>]*\shref=)[^>]*>(.*?)</a>", re.S)

_parser = MarkdownIt("commonmark", {"html": True, "breaks": True}).enable(["table", "strikethrough"])


def _only_safe_links(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href":
        scheme = urlsplit(value.strip()).scheme.lower()
        return value if scheme in LINK_SCHEMES else None
    return value


def render_markdown(text: str | None, heading_shift: int = 2) -> Markup:
    """`text` as sanitised HTML (empty for no text); headings moved `heading_shift` levels down."""
    if not text or not text.strip():
        return Markup("")
    tokens = _parser.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + heading_shift)}"
    html = _parser.renderer.render(tokens, _parser.options, {})
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_only_safe_links,
        url_schemes=set(LINK_SCHEMES),
        link_rel="noopener",
    )
    return Markup(_LINK_WITHOUT_HREF.sub(r"\1", clean))


def init_app(app) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
