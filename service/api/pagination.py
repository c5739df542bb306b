"""pretix's page shape: ``{"count", "next", "previous", "results"}``, 50 to a page."""

from flask import request, url_for

from .errors import ApiError

PAGE_SIZE = 50


def invalid_page() -> ApiError:
    return ApiError(404, {"detail": "Invalid page."})


def paginate(items: list) -> dict:
    """One page of ``items`` by ``?page=``; a page past the end or not a number is a 404."""
    text = request.args.get("page", "1")
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise invalid_page()
    page = int(text)
    last_page = max(1, -(-len(items) // PAGE_SIZE))
    if page > last_page:
        raise invalid_page()

    def link(number: int) -> str:
        args = {**request.view_args, **request.args.to_dict(), "page": number}
        return url_for(request.endpoint, _external=True, **args)

    start = (page - 1) * PAGE_SIZE
    return {
        "count": len(items),
        "next": link(page + 1) if page < last_page else None,
        "previous": link(page - 1) if page > 1 else None,
        "results": items[start : start + PAGE_SIZE],
    }
