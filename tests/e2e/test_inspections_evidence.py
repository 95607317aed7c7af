"""On a phone at the store: the check-in compares the phone's position with the store's coordinates, the
photo goes up from the camera input and comes back watermarked, the store manager and the inspector sign on the
screen (both required by the setting: a submission with one signature is refused), and the report shows the
distance and both signatures."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from yunying.accounts.models import User
from yunying.core.settings_store import setting_set
from yunying.inspections import selectors, services
from yunying.inspections.definition import items_of
from yunying.inspections.factories import png_bytes
from yunying.inspections.models import StoreLocation, Visit
from yunying.org.models import OrgUnit

pytestmark = [pytest.mark.e2e]
STORE_AT = (31.2397, 121.4998)


def test_checkin_watermark_and_signature_on_a_phone(browser: Any, live_server: Any, demo: None) -> None:
    store = OrgUnit.objects.get(code="S01")
    StoreLocation.objects.update_or_create(
        store=store, defaults={"latitude": STORE_AT[0], "longitude": STORE_AT[1]}
    )
    setting_set(key="inspections.signatures_required", value=True)
    supervisor = User.objects.get(username="supervisor")
    template = selectors.template_get(key="fire")
    visit = services.visit_create(actor=supervisor, store=store, template=template)
    draft = {}
    for _section, item in items_of(services.version_sections(visit.version)):
        value = item.choices()[-1] if item.scoring == "points" else item.choices()[0]
        photos = []
        if item.photo_required:
            upload = SimpleUploadedFile("现场.png", png_bytes(), "image/png")
            photos = [services.photo_store(actor=supervisor, visit=visit, upload=upload)["token"]]
        draft[item.key] = {"value": value, "note": "", "photos": photos}
    Visit.objects.filter(pk=visit.pk).update(draft=draft)

    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        geolocation={"latitude": STORE_AT[0] + 0.0008, "longitude": STORE_AT[1]},
        permissions=["geolocation"],
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    login(page, "supervisor")
    page.goto(f"/inspections/visits/{visit.pk}/")
    expect(page.get_by_test_id("checkin-status")).to_contain_text("距门店")
    first = page.locator(".visit-item:visible").first
    assert first.locator("[data-photo]").get_attribute("capture") == "environment"  # camera only
    first.locator("[data-photo]").set_input_files(
        {"name": "货架.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    expect(first.locator("[data-photos] img")).to_have_count(
        len(draft[first.get_attribute("data-item")]["photos"]) + 1
    )
    last_tab = page.locator("[data-tab]").last
    last_tab.click()
    while page.locator("#visit-next").is_visible():
        page.locator("#visit-next").click()
    _sign(page, "signature-pad")
    page.get_by_test_id("signed-by").fill("王店长")
    expect(page.get_by_test_id("signatures-required")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("submit-visit").click()  # signatures are required: the inspector has not signed yet
    expect(page.locator("#visit-errors")).to_contain_text("需要检查人签字才能提交")
    _sign(page, "inspector-signature-pad")
    screenshot(page, "insp-visit-signature-phone")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("submit-visit").click()
    expect(page.get_by_test_id("visit-signature")).to_be_visible()
    expect(page.get_by_test_id("visit-inspector-signature")).to_be_visible()
    expect(page.get_by_test_id("visit-checkin")).to_contain_text("距门店")
    visit.refresh_from_db()
    assert visit.signed_by == "王店长" and visit.checkin_distance_m is not None
    assert 60 <= visit.checkin_distance_m <= 120 and not visit.checkin_flagged
    answer = visit.answers.exclude(photos=[]).first()
    assert answer is not None and all(p["name"].endswith(".jpg") for p in answer.photos)
    page.get_by_test_id("photo").first.scroll_into_view_if_needed()
    screenshot(page, "insp-visit-evidence-report-phone")
    context.close()


def _sign(page: Any, pad_id: str) -> None:
    pad = page.get_by_test_id(pad_id)
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 80)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 25, box["y"] + 80 + (30 if step % 2 else -30))
    page.mouse.up()
