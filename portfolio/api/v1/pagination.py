"""One page of a list in the API: its items and where the other pages are (absolute links built
from PUBLIC_URL, with the request's own parameters)."""
from flask import request
from flask_sqlalchemy.pagination import Pagination

from portfolio.core.public_urls import public_url


def envelope(items: list, page: int, per_page: int, total: int) -> dict:
    pages = max(1, -(-total // per_page))

    def link(number: int) -> str:
        args = {**request.args.to_dict(), "page": number, "per_page": per_page}
        return public_url(request.endpoint, **(request.view_args or {}), **args)

    return {
        "items": items,
        "pagination": {
            "page": page,
            "per_page": per_page,
            "total": total,
            "pages": pages,
            "links": {
                "self": link(page),
                "first": link(1),
                "last": link(pages),
                "next": link(page + 1) if page < pages else None,
                "prev": link(min(page - 1, pages)) if page > 1 else None,
            },
        },
    }


def of_pagination(pagination: Pagination, items: list) -> dict:
    return envelope(items, pagination.page, pagination.per_page, pagination.total or 0)


def of_list(rows: list, page: int, per_page: int, convert) -> dict:
    """A page of rows already computed in Python."""
    start = (page - 1) * per_page
    return envelope([convert(row) for row in rows[start : start + per_page]], page, per_page, len(rows))
