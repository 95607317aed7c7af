"""Static files: collected under hashed names, gzip-compressed and cached for a year; the page stylesheet
trimmed to what the source uses; chart and diagram code only on the pages that draw them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client, override_settings

DIST = Path(settings.BASE_DIR) / "web" / "static" / "dist"
HASHED = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "yunying.web.storage.HashedStaticFilesStorage"},
}


def test_collected_files_have_hashed_names_gzip_and_a_year_of_cache(tmp_path: Path) -> None:
    root = tmp_path / "static"
    with override_settings(
        STORAGES=HASHED, STATIC_ROOT=root, WHITENOISE_USE_FINDERS=False, WHITENOISE_AUTOREFRESH=False
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        url = static("dist/app-style.css")
        assert url != "/static/dist/app-style.css" and url.endswith(".css"), url
        assert (root / url.removeprefix("/static/")).is_file()
        assert (root / (url.removeprefix("/static/") + ".gz")).is_file()
        response: Any = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200
        assert response["Content-Encoding"] == "gzip"
        assert response["Cache-Control"] == "max-age=31536000, public, immutable"


def test_before_collecting_the_plain_name_is_served(tmp_path: Path) -> None:
    """A tree not yet collected (a bare runserver) still renders its pages."""
    with override_settings(STORAGES=HASHED, STATIC_ROOT=tmp_path / "empty"):
        assert static("dist/app.js") == "/static/dist/app.js"


def test_the_stylesheet_keeps_only_what_the_source_uses() -> None:
    css = (DIST / "app-style.css").read_text(encoding="utf-8")
    assert len(css) < 350_000  # Tabler's whole stylesheet is about 620 KB
    for used in (".card{", ".btn-primary", ".table-responsive", ".navbar-vertical", ".dropdown-menu.show"):
        assert used in css, used
    for unused in (".carousel", ".placeholder-wave", ".accordion-button"):
        assert unused not in css, unused


@pytest.mark.django_db
def test_pages_without_charts_or_diagrams_do_not_load_their_code(client: Client) -> None:
    from yunying.org.factories import UserFactory

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    html = client.get("/").content.decode()
    assert "dist/app.js" in html and "dist/app-style.css" in html
    for heavy in ("charts", "bpmn"):
        assert f"dist/{heavy}" not in html
