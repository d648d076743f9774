from __future__ import annotations

import pytest

from scraper.registry import RegistryError, load_registry, parse_registry

ROOT_REG = """
proxy = "http://127.0.0.1:8399"
[crawl]
download_delay = 0
[[sites]]
id = "qingshi"
name = "青石县人民政府"
style = "trs"
start_urls = ["http://www.qingshi.gov.test/zwgk/zfxxgk/zfxxgknb/index.html"]
[[sites.publishers]]
name = "青石县"
kind = "government"
first_year = 2012
[[sites.publishers]]
name = "青石县财政局"
first_year = 2015
deadline = "02-28"
"""


def test_parse_registry_defaults_and_hosts():
    reg = parse_registry(ROOT_REG)
    site = reg.site("qingshi")
    assert reg.proxy == "http://127.0.0.1:8399"
    assert reg.extra["crawl"]["download_delay"] == 0
    assert site.allowed_hosts == ("www.qingshi.gov.test",)
    assert site.allows("http://www.qingshi.gov.test/a.html")
    assert not site.allows("http://www.other.gov.test/a.html")
    assert [(p.name, p.kind, p.first_year, p.deadline) for p in site.publishers] == [
        ("青石县", "government", 2012, None), ("青石县财政局", "department", 2015, "02-28")]


@pytest.mark.parametrize("text, message", [
    ("[[sites]]\nid='a'\nname='A'\nstart_urls=['http://a']\nstyle='wordpress'", "style 'wordpress'"),
    ("[[sites]]\nid='a'\nname='A'", "needs 'start_urls'"),
    ("x = [", "not valid TOML"),
    ("[[sites]]\nid='a'\nname='A'\nstart_urls=['http://a']\n[[sites]]\nid='a'\nname='B'\nstart_urls=['http://b']", "duplicate site id"),
])
def test_bad_registries_say_what_is_wrong(text, message):
    with pytest.raises(RegistryError, match=message):
        parse_registry(text)


def test_missing_registry_file(tmp_path):
    with pytest.raises(RegistryError, match="not found"):
        load_registry(tmp_path / "nope.toml")


def test_starter_registry_of_real_sites_is_marked_unverified():
    from pathlib import Path

    import scraper

    reg = load_registry(Path(scraper.__file__).parent / "registries" / "real.toml")
    assert reg.sites and all(not s.verified for s in reg.sites)
    assert reg.extra["crawl"]["download_delay"] >= 1  # polite toward real sites
