"""A stand-in for a live pretix: serves the recorded answers of pretix 2026.8 in
``tests/data/pretix-api-n300`` over real HTTP on 127.0.0.1, paginated as pretix does (50 per
page, absolute ``next`` links), and refuses any other token than the recording's."""

import copy
import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).parent / "data" / "pretix-api-n300"
TOKEN = "anchorbigeventsfulltoken000000000000000000000000000000000000001"
ORGANIZER = "bigevents"
PAGE_SIZE = 50
# A file answer's download (pretix: …/orderpositions/<id>/answer/<question id>/).
UPLOAD = re.compile(r"events/[^/]+/orderpositions/(\d+)/answer/\d+/")
CANCELED = {"include_canceled_positions": "true", "include_canceled_fees": "true"}


def load_recording() -> dict[str, object]:
    """Every file of the recording by its path relative to the data folder."""
    return {
        str(path.relative_to(DATA)): json.loads(path.read_text())
        for path in sorted(DATA.rglob("*.json"))
    }


def uploaded_file(position: str) -> bytes:
    """What the stand-in serves as the uploaded file of a position's file answer."""
    return f"%PDF-1.4 stand-in CV of position {position}\n".encode()


class PretixServer:
    """``data`` may be changed by a test between imports; ``answers`` maps a path (under
    the organizer) to a (status, body) answered instead; ``requests`` lists what was asked."""

    def __init__(self) -> None:
        self.data = copy.deepcopy(_RECORDING)
        self.answers: dict[str, tuple[int, object]] = {}
        self.requests: list[str] = []
        # Seconds to wait before answering a path (under the organizer), for timeouts.
        self.delays: dict[str, float] = {}
        self.token = TOKEN
        handler = type("Handler", (_Handler,), {"pretix": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "PretixServer":
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def file_for(self, path: str, query: dict) -> object | None:
        """The recorded answer for ``path`` (relative to the organizer) and ``query``."""
        parts = [p for p in path.split("/") if p]
        data = self.data
        if not parts:
            return data.get("organizer.json")
        if parts == ["events"]:
            return data.get("events.json")
        if parts[0] == "events" and len(parts) == 2:
            return data.get(f"events/{parts[1]}/event.json")
        if parts[0] == "events" and len(parts) == 3:
            name = parts[2]
            if name == "orders" and all(query.get(k) == v for k, v in CANCELED.items()):
                name = "orders_include_canceled"
            return data.get(f"events/{parts[1]}/{name}.json")
        if parts[0] == "giftcards" and len(parts) == 3 and parts[2] == "transactions":
            found = data["organizer/giftcard_transactions.json"].get(parts[1])
            return None if found is None else {"results": found}
        if len(parts) == 1:
            return data.get(f"organizer/{parts[0]}.json")
        return None


class _Handler(BaseHTTPRequestHandler):
    pretix: PretixServer

    def log_message(self, *_args) -> None:
        pass

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        self.pretix.requests.append(self.path)
        if self.headers.get("Authorization") != f"Token {self.pretix.token}":
            return self._send(401, {"detail": "Invalid token."})
        prefix = f"/api/v1/organizers/{ORGANIZER}/"
        if not (url.path + "/").startswith(prefix):
            return self._send(403, {"detail": "You do not have permission to perform this action."})
        path = url.path[len(prefix) :]
        if path in self.pretix.delays:
            time.sleep(self.pretix.delays[path])
        if path in self.pretix.answers:
            return self._send(*self.pretix.answers[path])
        if UPLOAD.fullmatch(path):
            return self._send_upload(path)
        found = self.pretix.file_for(path, query)
        if found is None:
            return self._send(404, {"detail": "Not found."})
        if isinstance(found, dict) and set(found) == {"status", "body"}:
            return self._send(found["status"], found["body"])
        if isinstance(found, dict) and "results" in found:
            return self._page(url, query, found["results"])
        return self._send(200, found)

    def _page(self, url, query: dict, results: list) -> None:
        try:
            page = int(query.get("page", "1"))
        except ValueError:
            return self._send(404, {"detail": "Invalid page."})
        start = (page - 1) * PAGE_SIZE
        if page < 1 or (start >= len(results) and page != 1):
            return self._send(404, {"detail": "Invalid page."})

        def link(number: int) -> str:
            query_of = {**query, "page": str(number)}
            return f"{self.pretix.url}{url.path}?{urllib.parse.urlencode(query_of)}"

        more = start + PAGE_SIZE < len(results)
        self._send(
            200,
            {
                "count": len(results),
                "next": link(page + 1) if more else None,
                "previous": link(page - 1) if page > 1 else None,
                "results": results[start : start + PAGE_SIZE],
            },
        )

    def _send_upload(self, path: str) -> None:
        """A file answer's upload: a small stand-in file named after the position."""
        position = UPLOAD.fullmatch(path).group(1)
        payload = uploaded_file(position)
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Disposition", f'attachment; filename="cv-{position}.pdf"')
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _send(self, status: int, body) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


_RECORDING = load_recording()
