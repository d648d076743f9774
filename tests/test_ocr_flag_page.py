"""The flag page of an OCR-IDENTITY flag shows the crop of each OCR cell, cut from the archived scan."""

from __future__ import annotations

import asyncio
import hashlib
import io

from archive.config import resolve_paths
from archive.flags import sync_findings
from archive.serve import make_datasette
from archive.store import Archive
from pipeline.checks import run_record_rules
from pipeline.checks.model import ReportRecord

URL = "http://www.qingshi.gov.test/zwgk/zfxxgk/zfxxgknb/202201/W020220120.pdf"


def _scan_pdf() -> bytes:
    from PIL import Image

    img = Image.new("L", (612, 792), 255)
    img.paste(0, (250, 100, 262, 112))  # the misread cell
    out = io.BytesIO()
    img.save(out, format="PDF", resolution=72)
    return out.getvalue()


def test_ocr_identity_flag_page_shows_the_cells_cropped_from_the_archived_scan(tmp_path):
    from PIL import Image

    paths = resolve_paths(tmp_path / "g.db")
    arch = Archive(paths)
    run, _ = arch.start_run("r.toml", ["qingshi"])
    body = _scan_pdf()
    arch.record_response(run_id=run, site_id="qingshi", role="report", url=URL, method="GET",
                         fingerprint=hashlib.sha1(URL.encode()).hexdigest(), status=200, reason="OK",
                         headers=[("Content-Type", "application/pdf")], body=body, request_headers=[])
    arch.flush()
    db = arch.db
    page = next(db.query("SELECT id FROM pages WHERE url = ?", [URL]))
    rid = db["reports"].insert({"page_id": page["id"], "url": URL, "role": "page", "kind": "report", "year": 2021,
                                "format": "2021", "publisher": "青石县", "is_current": 1, "version": 1}).last_pk
    cols = ("natural_person", "org_business", "org_research", "org_nonprofit", "org_legal", "org_other")
    values = dict(zip(cols, (8, 0, 0, 0, 0, 0), strict=True)) | {"total": 3}
    prov = {}
    for i, (col, v) in enumerate(values.items()):
        where = f"OCR page 1 box ({250 + 40 * i},100,{262 + 40 * i},112) conf {0.62 if i == 0 else 0.99} · row new"
        db["metrics"].insert({"report_id": rid, "key": f"apps.new.{col}", "value": v, "approximate": int(i == 0),
                              "source": "ocr", "where_": where, "raw": "8 0 0 0 0 0 3"})
        prov[f"apps.new.{col}"] = {"source": "ocr", "where": where, "raw": "8 0 0 0 0 0 3"}
    rec = ReportRecord(id=str(rid), key=f"page:{URL}", publisher="青石县", year=2021, format="2021", url=URL,
                       metrics={f"apps.new.{c}": v for c, v in values.items()}, provenance=prov)
    findings = run_record_rules(rec)
    assert [f.rule for f in findings] == ["OCR-IDENTITY"]
    sync_findings(db, findings, now="2023-04-01T00:00:00+00:00")
    flag_id = next(db.query("SELECT id FROM flags WHERE rule = 'OCR-IDENTITY'"))["id"]
    arch.close()

    ds = make_datasette(paths)
    asyncio.run(ds.invoke_startup())
    html = asyncio.run(ds.client.get(f"/-/gongkai/flag/{flag_id}")).text
    src = f"/-/gongkai/ocr-crop/{rid}/apps.new.natural_person"
    assert "on the scan" in html and f'src="{src}"' in html
    crop = asyncio.run(ds.client.get(src))
    assert crop.status_code == 200 and crop.headers["content-type"] == "image/png"
    img = Image.open(io.BytesIO(crop.content)).convert("L")
    assert img.getpixel((img.width // 2, img.height // 2)) < 60 and img.getpixel((1, 1)) > 200
    assert asyncio.run(ds.client.get(f"/-/gongkai/ocr-crop/{rid}/apps.new.nothing")).status_code == 404
