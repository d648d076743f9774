"""The review login that holds (issue 10 items 4-5): no secret in a repr or log, sessions bound to
the current password, back-off on failed logins, CSRF on login, same-site `next`, bad values and
ids never a 500, one log line per error, Datasette's SQL time limit."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import sqlite_utils
from test_serve_archive import build_archive

from archive.serve import make_datasette
from archive.web.auth import LoginThrottle, Secret, safe_next

PASSWORD = "s3cret-审阅-pw"
SECRET = "fixed-datasette-secret-for-tests"


def get(ds, path, **kw):
    return asyncio.run(ds.client.get(path, **kw))


def post(ds, path, **kw):
    return asyncio.run(ds.client.post(path, **kw))


def serve(paths, password=PASSWORD, secret=SECRET, **kw):
    ds = make_datasette(paths, password=password, secret=secret, **kw)
    asyncio.run(ds.invoke_startup())
    return ds


@pytest.fixture
def paths(tmp_path):
    return build_archive(tmp_path)


def login(ds, user="王审阅", password=PASSWORD, next_="/-/gongkai/flag/1"):
    csrf = get(ds, "/-/gongkai/login").cookies["ds_csrftoken"]
    r = post(ds, "/-/gongkai/login", data={"username": user, "password": password, "csrftoken": csrf,
                                           "next": next_}, cookies={"ds_csrftoken": csrf})
    return r, csrf


def decide(ds, cookies, flag=1, note="理由"):
    return post(ds, f"/-/gongkai/flag/{flag}/decide", cookies=cookies,
                data={"action": "dismiss", "note": note, "csrftoken": cookies["ds_csrftoken"]})


# ----------------------------------------------------------------------------- secrets


def test_password_never_in_repr(paths):
    ds = serve(paths)
    cfg = ds.gongkai_config
    assert PASSWORD not in repr(cfg) and PASSWORD not in str(cfg)
    assert PASSWORD not in repr(cfg.password) and PASSWORD not in f"{cfg.password}"
    assert cfg.password.reveal() == PASSWORD
    assert repr(Secret("x")) == "Secret('********')"


def test_sessions_are_bound_to_the_current_password(paths):
    ds = serve(paths)
    r, csrf = login(ds)
    assert r.status_code == 302
    cookies = {"ds_csrftoken": csrf, "ds_actor": r.cookies["ds_actor"]}
    assert PASSWORD not in r.cookies["ds_actor"]
    # same DATASETTE_SECRET, password changed: the old cookie no longer writes
    changed = serve(paths, password="a-new-password")
    assert decide(changed, cookies).status_code == 403
    assert 'id="decide"' not in get(changed, "/-/gongkai/flag/1", cookies=cookies).text
    # password removed (reviewing off): nor does it
    off = serve(paths, password=None)
    assert decide(off, cookies).status_code == 403
    assert sqlite_utils.Database(paths.db)["flags"].get(1)["status"] == "open"
    # a cookie signed with the secret but issued before sessions were bound (no fingerprint): refused
    old = ds.sign({"a": {"id": "x", "gongkai_reviewer": True}, "e": "zzzzzz"}, "actor")
    assert decide(ds, {"ds_csrftoken": csrf, "ds_actor": old}).status_code == 403
    # same password: the cookie still works across a restart
    same = serve(paths)
    assert decide(same, cookies).status_code == 302
    assert sqlite_utils.Database(paths.db)["flags"].get(1)["status"] == "dismissed"


# ----------------------------------------------------------------------------- guessing


def test_throttle_backs_off_per_client_and_globally():
    now = [1000.0]
    t = LoginThrottle(free_per_client=3, free_global=10, window=60, max_wait=300, clock=lambda: now[0])
    for _ in range(3):
        assert t.wait("a") == 0
        t.failed("a")
    assert t.wait("a") == 0  # three free tries
    t.failed("a")
    assert t.wait("a") == 1.0 and t.wait("b") == 0  # the fourth: 1 s, for this client only
    now[0] += 1
    t.failed("a")
    assert t.wait("a") == 2.0
    now[0] += 2
    t.failed("a")
    assert t.wait("a") == 4.0
    t.succeeded("a")
    assert t.wait("a") == 0
    for i in range(10):  # many clients, one try each: the global budget
        t.failed(f"c{i}")
    assert t.wait("fresh") > 0  # everyone waits now
    now[0] += 400
    assert t.wait("fresh") == 0
    for _ in range(50):
        t.failed("z")
        now[0] += t.wait("z")
    assert t.wait("z") <= 300  # capped


def test_wrong_passwords_lead_to_429_even_for_the_right_one(paths):
    ds = serve(paths)
    for _ in range(5):
        r, _ = login(ds, password="guess")
        assert r.status_code == 403 and "Wrong password" in r.text
    r, _ = login(ds, password="guess")
    assert r.status_code == 403
    r, _ = login(ds)  # right password, but this client must wait now
    assert r.status_code == 429 and "try again in" in r.text and int(r.headers["retry-after"]) >= 1
    assert "ds_actor" not in r.cookies


# ----------------------------------------------------------------------------- CSRF and next


def test_login_needs_the_csrf_token_even_without_cookies(paths):
    ds = serve(paths)
    bare = post(ds, "/-/gongkai/login", data={"username": "x", "password": PASSWORD, "next": "/-/gongkai"})
    assert bare.status_code == 403 and "ds_actor" not in bare.cookies
    other = get(ds, "/-/gongkai/login").cookies["ds_csrftoken"]
    forged = post(ds, "/-/gongkai/login", data={"username": "x", "password": PASSWORD, "csrftoken": other})
    assert forged.status_code == 403 and "ds_actor" not in forged.cookies


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example/x", "/\\/evil.example", "http://evil.example/",
                                    "https:evil.example", "javascript:alert(1)", "/\t/evil.example", "/\n/evil.example",
                                    "\\\\evil.example", "evil.example/x", "", "/x\\y"])
def test_next_rejects_other_sites(paths, target):
    assert safe_next(target) == "/-/gongkai"
    ds = serve(paths)
    r, _ = login(ds, next_=target)
    assert r.status_code == 302 and r.headers["location"] == "/-/gongkai"


def test_next_keeps_same_site_paths(paths):
    assert safe_next("/gk/flags?rule=MISSING&_sort=id") == "/gk/flags?rule=MISSING&_sort=id"
    r, _ = login(serve(paths), next_="/-/gongkai/flag/2?x=1")
    assert r.headers["location"] == "/-/gongkai/flag/2?x=1"


# ----------------------------------------------------------------------------- bad values, bad ids


def test_bad_cell_values_render_as_text(paths):
    ds = serve(paths)
    for sql, shown in (("select 'abc' as flag", "abc"), ("select 'x<b>' as report_id", "x&lt;b&gt;"),
                       ("select 1.5 as flag", "1.5"), ("select 99999999999999999999 as flag", "1e+20")):
        r = get(ds, "/gk?sql=" + urllib.request.quote(sql))
        assert r.status_code == 200, (sql, r.status_code)
        assert shown in r.text, sql
    ok = get(ds, "/gk?sql=" + urllib.request.quote("select 2 as flag"))
    assert 'href="/-/gongkai/flag/2"' in ok.text


@pytest.mark.parametrize("path", ["/-/gongkai/flag/abc", "/-/gongkai/flag/1.5", "/-/gongkai/flag/-1",
                                  "/-/gongkai/flag/99999999999999999999999", "/-/gongkai/capture/99999999999999999999",
                                  "/-/gongkai/flag/0"])
def test_non_ids_are_404(paths, path):
    assert get(serve(paths), path).status_code == 404


def test_decide_on_a_huge_id_is_404(paths):
    ds = serve(paths)
    r, csrf = login(ds)
    cookies = {"ds_csrftoken": csrf, "ds_actor": r.cookies["ds_actor"]}
    assert decide(ds, cookies, flag=99999999999999999999).status_code == 404
    assert decide(ds, cookies, flag=12345).status_code == 404


def test_a_500_is_one_log_line_without_locals(paths, caplog, capsys):
    ds = serve(paths)
    r, csrf = login(ds)
    cookies = {"ds_csrftoken": csrf, "ds_actor": r.cookies["ds_actor"]}
    db = sqlite_utils.Database(paths.db)
    db.execute("DROP TABLE metrics")  # the flag page of a report reads its metrics: now an error
    db.conn.close()
    with caplog.at_level(logging.INFO):
        page = get(ds, "/-/gongkai/flag/1", cookies=cookies)
        for path in ("/-/gongkai/flag/999", "/nosuchdb", "/gk/nosuchtable"):
            assert get(ds, path).status_code == 404
    assert page.status_code == 500 and "Internal error" in page.text and "no such table" not in page.text
    ours = [rec.getMessage() for rec in caplog.records if rec.name == "gongkai.serve"]
    assert len(ours) == 1, ours  # the 404s are not logged
    line = ours[0]
    assert "\n" not in line and len(line) < 400 and "OperationalError" in line and "/-/gongkai/flag/1" in line
    out = capsys.readouterr()
    for text in (out.out, out.err, line):
        assert PASSWORD not in text and "Traceback" not in text and "locals" not in text.lower()


def test_datasette_sql_time_limit_is_set_and_stops_runaway_queries(paths):
    assert serve(paths).setting("sql_time_limit_ms") == 5000
    ds = serve(paths, sql_time_limit_ms=200)
    q = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    t0 = time.monotonic()
    r = get(ds, "/gk.json?sql=" + urllib.request.quote(q))
    assert r.status_code == 400 and "too long" in r.text
    assert time.monotonic() - t0 < 30


# ----------------------------------------------------------------------------- the real server's log


def test_real_server_log_stays_quiet_and_holds_no_secret(paths):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GONGKAI_REVIEW_PASSWORD": PASSWORD, "DATASETTE_SECRET": SECRET}
    proc = subprocess.Popen([sys.executable, "-c", "from archive.cli import main; main()", "serve", "--port",
                             str(port), "--db", str(paths.db), "--archive", str(paths.archive)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"

    def fetch(path, data=None):
        try:
            with urllib.request.urlopen(base + path, data=data, timeout=10) as resp:
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code

    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                fetch("/-/gongkai")
                break
            except OSError:
                time.sleep(0.2)
        assert fetch("/gk?sql=" + urllib.request.quote("select 'abc' as flag")) == 200
        for path in ("/-/gongkai/flag/abc", "/-/gongkai/flag/999", "/gk/nosuch", "/-/gongkai/capture/99999"):
            assert fetch(path) == 404
        assert fetch("/-/gongkai/login", data=f"username=x&password={PASSWORD}".encode()) == 403  # no CSRF
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    log = (out + err).decode()
    assert PASSWORD not in log and "Traceback" not in log
    assert len(log.splitlines()) <= 2, log  # the start line; no line per 4xx, no 25 KB traceback
