"""Errors of `gongkai serve`: the same pages as Datasette's, without its log.

Datasette's own handler prints every exception, 404s included, with rich's `show_locals=True`:
~25 KB per error, and the locals of a frame may hold the review password or a session cookie.
Here a 4xx is not logged at all and a 500 is one line (exception type, where, a short message);
the page says what Datasette's would. The default handler is blocked in this process
(archive.serve.register_plugin) and called for any Datasette that is not a gongkai one.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from datasette import Response
from datasette.utils import add_cors_headers
from datasette.utils.asgi import Base400
from datasette.views.base import DatasetteError
from markupsafe import Markup

log = logging.getLogger("gongkai.serve")
DEFAULT_HANDLER = "datasette.handle_exception"
MESSAGE_CHARS = 200


def one_line(request, exception: BaseException) -> str:
    """`500 GET /path: ValueError at views.py:123 in render_cell: message` (no locals, no query string)."""
    frames = traceback.extract_tb(exception.__traceback__)
    where = ""
    if frames:
        ours = [f for f in frames if "/archive/" in f.filename] or frames
        f = ours[-1]
        where = f" at {Path(f.filename).name}:{f.lineno} in {f.name}"
    message = " ".join(str(exception).split())[:MESSAGE_CHARS]
    return f"500 {request.method} {request.path}: {type(exception).__name__}{where}: {message}"


def status_and_message(exception: BaseException) -> tuple[int, dict, str, str | None]:
    if isinstance(exception, Base400):
        return exception.status, {}, exception.args[0] if exception.args else "", None
    if isinstance(exception, DatasetteError):
        message = Markup(exception.message) if exception.message_is_html else exception.message
        return exception.status, dict(exception.error_dict or {}), message, exception.title
    return 500, {}, "Internal error: the server log has one line about it.", None


async def error_response(datasette, request, exception: BaseException) -> Response:
    status, info, message, title = status_and_message(exception)
    if status >= 500:
        log.error("gongkai serve: %s", one_line(request, exception))
    info.update({"ok": False, "error": message, "status": status, "title": title})
    headers: dict[str, str] = {}
    if datasette.cors:
        add_cors_headers(headers)
    if request.path.split("?")[0].endswith(".json"):
        return Response.json(info, status=status, headers=headers)
    template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
    html = await template.render_async(dict(info, urls=datasette.urls, app_css_hash=datasette.app_css_hash(),
                                            menu_links=lambda: []))
    return Response.html(html, status=status, headers=headers)


def handle(datasette, request, exception):
    """The handle_exception hook: ours for gongkai's Datasette, Datasette's default for any other."""
    if getattr(datasette, "gongkai_config", None) is None:
        from datasette import handle_exception as default

        return default.handle_exception(datasette, request, exception)

    async def inner():
        return await error_response(datasette, request, exception)

    return inner
