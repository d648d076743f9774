"""Datasette hooks for `gongkai serve`, registered programmatically (no entry point needed).

Every hook first checks that the Datasette it is called for was built by `archive.serve`, so the
plugin is inert inside any other Datasette in the same process (tests build several).
"""

from __future__ import annotations

from datasette import hookimpl
from markupsafe import Markup, escape

from archive.web import auth, errors
from archive.web.views import REVIEW_ACTION, ROUTES, config


@hookimpl
def register_routes(datasette):
    return [*ROUTES, *auth.ROUTES] if config(datasette) else []


@hookimpl(tryfirst=True)
def handle_exception(datasette, request, exception):
    """One log line per 500, none per 4xx, never the locals (archive/web/errors.py)."""
    return errors.handle(datasette, request, exception)


@hookimpl
def prepare_connection(conn, database, datasette):
    """Belt and braces on top of mode=ro: no SQL typed into Datasette can write the archive."""
    cfg = config(datasette)
    if cfg and database == cfg.db_name:
        conn.execute("PRAGMA query_only = 1")


@hookimpl
def permission_allowed(datasette, actor, action, resource):
    if action == REVIEW_ACTION and config(datasette):
        return auth.session_valid(datasette, actor)  # issued under the current password
    return None


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Flag ids link to the review page (flags table, and the `flag` column of canned queries)."""
    cfg = config(datasette)
    if not cfg or database != cfg.db_name or value is None:
        return None
    if ((table == "flags" and column == "id") or (table is None and column == "flag")) and _is_id(value):
        href = datasette.urls.path(f"/-/gongkai/flag/{value}")
        return Markup(f'<a href="{escape(href)}">{value}</a>')
    if table is None and column == "report_id" and _is_id(value):
        href = datasette.urls.path(f"/{cfg.db_name}/reports/{value}")
        return Markup(f'<a href="{escape(href)}">{value}</a>')
    return None


def _is_id(value) -> bool:
    """Only a real row id becomes a link; any other value (`select 'abc' as flag`) renders as text."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


@hookimpl
def menu_links(datasette, actor, request):
    if not config(datasette):
        return None
    links = [{"href": datasette.urls.path("/-/gongkai"), "label": "Review queue"},
             {"href": datasette.urls.path("/-/gongkai/publisher"), "label": "Publishers (charts)"}]
    if not actor:
        links.append({"href": datasette.urls.path("/-/gongkai/login"), "label": "Reviewer login"})
    return links


@hookimpl
def extra_css_urls(datasette):
    if config(datasette):
        return [datasette.urls.path("/gongkai-static/review.css")]
    return None
