"""The print layout: the content hash covers every file the renderer reads, and the renderer reads nothing
else (no URL, no file outside the project's fonts and print templates)."""

import io
import shutil
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from pypdf import PdfReader

from reports import documents

pytestmark = pytest.mark.django_db

_opened: list[str] | None = None


def _record_opens(event, args):
    if event == "open" and _opened is not None and isinstance(args[0], str | Path):
        _opened.append(str(args[0]))


sys.addaudithook(_record_opens)  # audit hooks cannot be removed; this one records only while a test asks


def _reset_template_cache():
    for loader in engines["django"].engine.template_loaders:
        if hasattr(loader, "reset"):
            loader.reset()


@pytest.mark.parametrize("kind", ["dossier", "province_report"])
def test_every_file_the_renderer_reads_is_covered_by_the_content_hash(approved, kind):
    global _opened
    data = (
        documents.dossier_data(approved)
        if kind == "dossier"
        else documents.province_report_data(approved.ward.province, 2026)
    )
    _reset_template_cache()
    _opened = []
    try:
        documents.render_pdf(kind, data)
    finally:
        read, _opened = _opened, None
    roots = (Path(settings.BASE_DIR) / "templates", documents.FONT_DIR)
    read = {Path(p).resolve() for p in read if any(Path(p).resolve().is_relative_to(r) for r in roots)}
    names = {p.name for p in read}
    assert {"_masthead.html", "print.css", "Tinos-Regular.ttf", "Tinos-Bold.ttf"} <= names  # the recorder works
    hashed = {Path(p).resolve() for p in documents.LAYOUT_FILES}
    assert read - hashed == set()


def test_editing_the_masthead_or_a_font_changes_the_content_hash(approved, tmp_path, monkeypatch):
    copies = []
    for i, path in enumerate(map(Path, documents.LAYOUT_FILES)):
        copy = tmp_path / str(i) / path.name
        copy.parent.mkdir()
        shutil.copyfile(path, copy)
        copies.append(copy)
    monkeypatch.setattr(documents, "LAYOUT_FILES", copies)
    data = documents.dossier_data(approved)
    seen = {documents.content_hash("dossier", data)}
    for name in ("_masthead.html", "print.css", "Tinos-Bold.ttf"):
        copy = next(c for c in copies if c.name == name)
        copy.write_bytes(copy.read_bytes() + b"\n")
        digest = documents.content_hash("dossier", data)
        assert digest not in seen, f"editing {name} left the hash unchanged"
        seen.add(digest)
    assert documents.content_hash("dossier", data) in seen  # and unchanged files give the same hash again


class _Probe(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b'body::after { content: "LEAKED-OVER-HTTP" }')

    def log_message(self, *args):
        pass


@pytest.fixture
def probe():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Probe)
    _Probe.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/probe"
    server.shutdown()
    server.server_close()


def _attempt(render):
    try:
        return render()
    except Exception as exc:  # the outcome is asserted by the caller
        return exc


@pytest.mark.parametrize(
    "markup",
    [
        '<link rel="stylesheet" href="{probe}">',
        '<img src="{probe}.png">',
        "<style>@import url('{probe}');</style>",
        '<link rel="stylesheet" href="{secret}">',
        '<img src="file:///etc/passwd">',
        '<link rel="stylesheet" href="{fonts}/../../manage.py">',
    ],
)
def test_the_renderer_fetches_nothing_but_the_projects_own_files(monkeypatch, tmp_path, probe, markup):
    global _opened
    secret = tmp_path / "secret.css"
    secret.write_text('body::after { content: "LEAKED-FROM-DISK" }')
    tag = markup.format(probe=probe, secret=secret.as_uri(), fonts=documents.FONT_DIR.as_uri())
    html = f"<html><head>{tag}</head><body><p>Hồ sơ</p>{tag}</body></html>"
    monkeypatch.setattr(documents, "render_to_string", lambda *args, **kwargs: html)
    _opened = []
    try:
        outcome = _attempt(lambda: documents.render_pdf("dossier", {}))
    finally:
        opened, _opened = _opened, None
    assert _Probe.hits == []
    assert not {"/etc/passwd", str(secret), str(settings.BASE_DIR / "manage.py")} & {
        str(Path(p).resolve()) for p in opened
    }
    if not isinstance(outcome, Exception):
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(outcome[0])).pages)
        assert "LEAKED" not in text
    assert isinstance(outcome, documents.ResourceRefused), outcome
