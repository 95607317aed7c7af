"""Approvals as people use them, in a real browser: a 店长 on a phone (390×844) starts a purchase and
watches the approver preview follow the amount, attaches a photo; the 管理部主任 at a desk cannot 驳回
without a reason, returns it with a file; the 店长 resubmits with another file on the phone and sees the
request page with thumbnails and the preview; the 管理部主任 hands it on with the searchable picker and
a confirmation. Every file stays, and opens through the authorised view."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e]

PHONE = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _context(browser: Any, live_server: Any, viewport: dict[str, int]) -> Any:
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport=viewport, is_mobile=viewport["width"] < 500
    )
    context.set_default_timeout(15000)
    return context


def _preview_text(page: Any) -> str:
    return str(page.get_by_test_id("approver-preview").inner_text())


def test_preview_attachments_and_guard_rails_on_phone_and_desk(
    browser: Any, live_server: Any, demo: None, tmp_path: Path
) -> None:
    from yunying.workflow.models import Attachment, ProcessInstance

    photo = tmp_path / "冰柜照片.png"
    photo.write_bytes(_png())
    quote = tmp_path / "报价单.pdf"
    quote.write_bytes(PDF)

    # --- the 店长 on a phone: the preview follows the amount
    phone_ctx = _context(browser, live_server, PHONE)
    phone = phone_ctx.new_page()
    login(phone, "store01")
    phone.goto("/workflow/processes/purchase/start/")
    expect(phone.get_by_test_id("preview-card")).to_be_visible()
    phone.select_option("select[name=f_store]", "S01")
    phone.fill("[name=f_reason]", "冷柜坏了，需换压缩机配件")
    if phone.locator("input[name='f_items[0].name']").count() == 0:
        phone.click("[data-yy-add-row=items]")
    phone.fill("input[name='f_items[0].name']", "压缩机配件")
    phone.fill("input[name='f_items[0].qty']", "1")
    phone.select_option("select[name='f_items[0].unit']", "件")
    phone.fill("input[name='f_items[0].price']", "150")
    expect(phone.get_by_test_id("preview-step")).to_have_count(2)
    expect(phone.get_by_test_id("preview-note")).to_contain_text("自动通过")  # < 200: 管理部 alone
    phone.fill("input[name='f_items[0].price']", "500")
    expect(phone.get_by_test_id("approver-preview")).to_contain_text("总经理")  # > 300: the GM decides
    expect(phone.get_by_test_id("preview-note")).to_have_count(0)
    assert "管理部审核" in _preview_text(phone)
    # the purchase form has its own 附件 field (the start page then shows no second one)
    assert phone.locator("#id_attachments").count() == 0
    phone.set_input_files("[data-testid=start-form] input[type=file]", str(photo))
    screenshot(phone, "wf-phone-start-preview")
    phone.get_by_test_id("submit-start").click()
    expect(phone.get_by_test_id("instance-status")).to_have_text("进行中")
    instance = ProcessInstance.objects.filter(requester__username="store01").latest("pk")
    assert [f["name"] for f in instance.data["attachments"]] == ["冰柜照片.png"]

    # --- the 管理部主任 at a desk: no 驳回 without a reason; 退回 with a file
    desk_ctx = _context(browser, live_server, {"width": 1400, "height": 900})
    desk = desk_ctx.new_page()
    login(desk, "mgmt")
    task = instance.tasks.get(status="open")
    desk.goto(f"/workflow/tasks/{task.pk}/")
    expect(desk.get_by_text("冰柜照片.png").first).to_be_visible()
    said: list[str] = []
    desk.once("dialog", lambda d: (said.append(d.message), d.dismiss()))
    desk.get_by_test_id("reject").click()
    desk.wait_for_timeout(300)
    assert said == ["驳回时请填写理由。"]
    task.refresh_from_db()
    assert task.status == "open"
    desk.get_by_test_id("comment").fill("请补充供应商报价单")
    desk.set_input_files("#id_attachments", str(photo))
    desk.get_by_test_id("return-to").select_option("requester")
    screenshot(desk, "wf-desk-task-return")
    desk.get_by_test_id("return").click()
    expect(desk.get_by_test_id("message").first).to_contain_text("已退回")

    # --- back on the phone: resubmit with another file; the request page shows all of them
    resubmit = instance.tasks.get(status="open", kind="resubmit")
    phone.goto(f"/workflow/tasks/{resubmit.pk}/")
    phone.get_by_test_id("comment").fill("已附报价单")
    phone.set_input_files("#id_attachments", str(quote))
    screenshot(phone, "wf-phone-resubmit")
    phone.get_by_test_id("resubmit").click()
    expect(phone.get_by_test_id("message").first).to_contain_text("已重新提交")
    phone.goto(f"/workflow/instances/{instance.pk}/")
    expect(phone.get_by_test_id("attachment")).to_have_count(2)
    expect(phone.get_by_test_id("approver-preview")).to_contain_text("管理部审核")
    thumb = phone.get_by_test_id("attachment-thumb").first
    thumb.scroll_into_view_if_needed()
    assert phone.evaluate("img => img.complete && img.naturalWidth > 0", thumb.element_handle())
    screenshot(phone, "wf-phone-request-attachments")
    assert sorted(Attachment.objects.filter(instance=instance).values_list("name", flat=True)) == [
        "冰柜照片.png",
        "报价单.pdf",
    ]
    pdf = Attachment.objects.filter(instance=instance, name="报价单.pdf").first()
    assert pdf is not None
    got = phone.request.get(f"/workflow/attachments/{pdf.pk}/")
    assert got.status == 200 and got.headers["x-content-type-options"] == "nosniff"
    assert got.body() == PDF

    # --- someone outside the request gets 404 for the same link
    outsider_ctx = _context(browser, live_server, PHONE)
    outsider = outsider_ctx.new_page()
    login(outsider, "store02")
    assert outsider.request.get(f"/workflow/attachments/{pdf.pk}/").status == 404

    # --- the 管理部主任 hands it on: search, pick, confirm
    task = instance.tasks.get(status="open", element_id="mgmt_review")
    desk.goto(f"/workflow/tasks/{task.pk}/")
    desk.get_by_test_id("person-search").fill("ops")
    expect(desk.get_by_test_id("person-option")).to_have_count(1)
    desk.get_by_test_id("person-option").first.click()
    screenshot(desk, "wf-desk-transfer-picker")
    asked: list[str] = []
    desk.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    desk.get_by_test_id("transfer").click()
    expect(desk.get_by_test_id("message").first).to_contain_text("已转交")
    assert asked and "转交" in asked[0]
    task.refresh_from_db()
    assert task.assignee is not None and task.assignee.username == "ops"
    for ctx in (phone_ctx, desk_ctx, outsider_ctx):
        ctx.close()


def test_a_task_waiting_for_a_signer_says_whom_on_a_phone(browser: Any, live_server: Any, demo: None) -> None:
    """While a 加签 is pending the task page names whom it waits for (not "已由 — 于 处理。")."""
    from yunying.accounts.models import User
    from yunying.workflow import services

    store = User.objects.get(username="store01")
    instance = services.instance_start(
        actor=store,
        key="purchase",
        data={
            "store": "S01",
            "reason": "补货",
            "items": [{"name": "油", "qty": 1, "unit": "桶", "price": "120"}],
        },
    )
    task = instance.tasks.get(status="open")
    services.task_add_signer(
        actor=User.objects.get(username="mgmt"), task_id=task.pk, user="ops", mode="before", comment="请先看"
    )
    ctx = _context(browser, live_server, PHONE)
    page = ctx.new_page()
    login(page, "mgmt")
    page.goto(f"/workflow/tasks/{task.pk}/")
    expect(page.get_by_test_id("waiting-for")).to_contain_text("等待加签")
    assert "已由 — 于" not in page.content()
    screenshot(page, "wf-phone-waiting-for-signer")
    ctx.close()
