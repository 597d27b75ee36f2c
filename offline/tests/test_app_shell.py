"""The offline app's pages: the shell (grid workers only), its manifest, icons and service worker."""

import json
import re
import struct

import pytest
from django.test import override_settings

from offline import views


def test_grid_worker_opens_the_app_shell(cast, client_for):
    response = client_for(cast.grid_a_worker).get("/offline/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'rel="manifest" href="/offline/manifest.webmanifest"' in html
    assert 'data-sw="/offline/sw.js"' in html
    block = re.search(r'<script id="offline-strings" type="application/json">(.*?)</script>', html, re.S)
    strings = json.loads(block.group(1))
    assert strings["offline"] == "离线"  # the script's texts arrive translated


def test_the_shell_holds_no_inline_script_or_style(cast, client_for):
    """The CSP allows scripts from the site only: the texts come as a JSON data block, not as code."""
    html = client_for(cast.grid_a_worker).get("/offline/").content.decode()
    for chunk in html.split("<script")[1:]:
        attributes = chunk.split(">", 1)[0]
        assert 'src="' in attributes or 'type="application/json"' in attributes
    assert "style=" not in html and "<style" not in html


def test_a_user_without_persons_edit_is_refused_the_shell(cast, client_for):
    response = client_for(cast.command_a).get("/offline/")
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]


def test_anonymous_is_sent_to_log_in_for_the_shell(client, db):
    response = client.get("/offline/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_manifest_makes_the_app_installable(client, db):
    response = client.get("/offline/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "防控·网格离线工作台"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/offline/", "/offline/", "standalone")
    assert manifest["short_name"] and manifest["theme_color"]
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"any", "192x192", "512x512"} <= sizes


@pytest.mark.parametrize("size", [192, 512])
def test_png_icons_are_drawn_at_their_size(client, db, size):
    response = client.get(f"/offline/icon-{size}.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    png = response.content
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", png[16:24]) == (size, size)


def test_service_worker_is_served_for_the_offline_scope(client, db):
    response = client.get("/offline/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/offline/"
    assert response["Cache-Control"] == "no-cache"
    source = response.content.decode()
    config = json.loads(source.split("var CONFIG = ", 1)[1].split(";\n", 1)[0])
    assert config["shell"] == "/offline/" and config["api"] == "/api/"
    assert {"/static/offline/app.js", "/static/offline/store.js", "/static/offline/offline.css",
            "/offline/manifest.webmanifest", "/offline/icon-192.png"} <= set(config["precache"])
    assert not any(url.startswith("/api/") for url in config["precache"])


def test_the_cache_version_follows_the_static_files_content(client, db, tmp_path, settings):
    """A deploy that changes the app's script changes the worker's cache name, so phones drop the old cache."""
    before = json.loads(client.get("/offline/sw.js").content.decode().split("var CONFIG = ", 1)[1]
                        .split(";\n", 1)[0])["version"]
    (tmp_path / "offline").mkdir()
    (tmp_path / "offline" / "app.js").write_text("/* a new release */")
    views._static_digest.cache_clear()
    from django.contrib.staticfiles import finders
    finders.get_finder.cache_clear()
    try:
        with override_settings(STATICFILES_DIRS=[tmp_path]):
            finders.get_finder.cache_clear()
            after = json.loads(client.get("/offline/sw.js").content.decode().split("var CONFIG = ", 1)[1]
                               .split(";\n", 1)[0])["version"]
    finally:
        views._static_digest.cache_clear()
        finders.get_finder.cache_clear()
    assert before != after


def test_everything_the_shell_loads_is_kept_by_the_service_worker(cast, client_for, client):
    """Opened with no network, the shell needs each script, style and icon it names from the worker's cache."""
    html = client_for(cast.grid_a_worker).get("/offline/").content.decode()
    loaded = set(re.findall(r'(?:src|href)="(/(?:static|offline)/[^"]+)"', html)) - {"/offline/sw.js"}
    source = client.get("/offline/sw.js").content.decode()
    precache = set(json.loads(source.split("var CONFIG = ", 1)[1].split(";\n", 1)[0])["precache"])
    assert loaded and loaded <= precache, loaded - precache


def test_the_today_page_links_to_the_workbench_hidden_until_the_browser_shows_it_has_service_workers(cast, client_for):
    html = client_for(cast.grid_a_worker).get("/persons/today/").content.decode()
    link = re.search(r'<p id="offline-link"([^>]*)><a href="/offline/">', html)
    assert link and "hidden" in link.group(1) and "data-needs-service-worker" in link.group(1)
