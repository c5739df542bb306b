"""Reading pretix's REST API: one GET with the token, and lists followed page by page
through ``next``. Every failure is an ``ImportRefused`` naming the endpoint."""

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator

from .refusal import ImportRefused

USER_AGENT = "ticket-export-service import-pretix"


class PretixClient:
    """``base_url`` is pretix's address (``https://pretix.eu``); paths are under
    ``/api/v1/``. ``on_page`` is told of every page read (for the progress bar)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: float = 30,
        on_page: Callable[[str], None] | None = None,
    ) -> None:
        self.api = base_url.rstrip("/") + "/api/v1/"
        self.token = token
        self.timeout = timeout
        self.on_page = on_page or (lambda _url: None)

    def url(self, path: str, query: dict | None = None) -> str:
        url = urllib.parse.urljoin(self.api, path.lstrip("/"))
        return url + ("?" + urllib.parse.urlencode(query) if query else "")

    def get(self, path: str, query: dict | None = None) -> dict:
        """One object (``organizers/x/``), refused unless it is a JSON object."""
        url = self.url(path, query)
        answer = self._fetch(url)
        if not isinstance(answer, dict):
            raise ImportRefused(_endpoint(url), "unexpected answer: not a JSON object")
        return answer

    def list(self, path: str, query: dict | None = None) -> list[dict]:
        """Every result of a paginated list, following ``next`` to the last page."""
        return list(self.pages(path, query))

    def pages(self, path: str, query: dict | None = None) -> Iterator[dict]:
        url: str | None = self.url(path, query)
        first = url
        seen = set()
        while url:
            if url in seen:
                raise ImportRefused(_endpoint(first), f"pagination loops back to {url}")
            seen.add(url)
            page = self._fetch(url)
            if (
                not isinstance(page, dict)
                or not isinstance(page.get("results"), list)
                or not all(isinstance(result, dict) for result in page["results"])
            ):
                raise ImportRefused(_endpoint(url), "unexpected answer: not a page of results")
            yield from page["results"]
            url = page.get("next")
            if url is not None and not isinstance(url, str):
                raise ImportRefused(_endpoint(first), "unexpected answer: bad next link")

    def _fetch(self, url: str):
        request = urllib.request.Request(
            url,
            headers={
                "Authorization": f"Token {self.token}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        where = _endpoint(url)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise ImportRefused(where, _http_problem(exc)) from None
        except TimeoutError:
            raise ImportRefused(where, f"no answer within {self.timeout:g} s") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError | socket.timeout):
                raise ImportRefused(where, f"no answer within {self.timeout:g} s") from None
            raise ImportRefused(where, f"cannot connect: {reason}") from None
        except OSError as exc:
            raise ImportRefused(where, f"connection failed: {exc}") from None
        self.on_page(url)
        try:
            return json.loads(body)
        except ValueError:
            raise ImportRefused(where, "unexpected answer: not JSON") from None


def _endpoint(url: str) -> str:
    return f"GET {url}"


def _http_problem(exc: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(exc.read()).get("detail", "")
    except (ValueError, AttributeError, OSError):
        detail = ""
    detail = f": {detail}" if detail else ""
    if exc.code in (401, 403):
        return f"pretix refused the token ({exc.code}{detail})"
    return f"unexpected answer {exc.code}{detail}"
