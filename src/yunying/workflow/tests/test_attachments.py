"""Attachments as records: kept with every action that takes files, stored under random names, served
only to people who see the request (with safe headers), thumbnails, and no file left by a rollback."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from yunying.core.errors import DomainError, ValidationFailed
from yunying.workflow import runtime, services
from yunying.workflow.models import Attachment
from yunying.workflow.tests.apiclient import Api
from yunying.workflow.tests.conftest import open_tasks, task_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def _pdf(name: str = "报价单.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _png(name: str = "冰柜照片.png", size: tuple[int, int] = (800, 600)) -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _stored_files(media: Path) -> list[Path]:
    return (
        [p for p in (media / "workflow").rglob("*") if p.is_file()] if (media / "workflow").exists() else []
    )


def _review(deploy: Any, chain: Any, amount: str = "88") -> Any:
    deploy("review.bpmn", key="review", title="费用申请")
    return services.instance_start(
        actor=chain.users["store_a1"], key="review", data={"amount": amount, "reason": "冰柜"}
    )


def _returned(deploy: Any, chain: Any) -> Any:
    instance = _review(deploy, chain)
    services.task_return(
        actor=chain.users["area_a"], task_id=task_for(instance, "area_a").pk, to="requester", comment="补报价"
    )
    return instance


ACTIONS = {
    "approve": lambda c, t, f: services.task_approve(actor=c.users["area_a"], task_id=t, attachments=f),
    "reject": lambda c, t, f: services.task_reject(
        actor=c.users["area_a"], task_id=t, comment="预算不足", attachments=f
    ),
    "return": lambda c, t, f: services.task_return(
        actor=c.users["area_a"], task_id=t, to="requester", comment="补报价", attachments=f
    ),
    "transfer": lambda c, t, f: services.task_transfer(
        actor=c.users["area_a"], task_id=t, to_user="supervisor", comment="请代办", attachments=f
    ),
    "add_signer": lambda c, t, f: services.task_add_signer(
        actor=c.users["area_a"], task_id=t, user="supervisor", mode="before", comment="请会签", attachments=f
    ),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_task_action_keeps_its_files(action: str, deploy: Any, chain: Any, media: Path) -> None:
    instance = _review(deploy, chain)
    task = task_for(instance, "area_a")
    ACTIONS[action](chain, task.pk, [_pdf(), _png()])
    rows = list(Attachment.objects.filter(instance=instance).order_by("pk"))
    assert [(a.name, a.task_id, a.uploaded_by.username) for a in rows] == [
        ("报价单.pdf", task.pk, "area_a"),
        ("冰柜照片.png", task.pk, "area_a"),
    ]
    assert [a.content_type for a in rows] == ["application/pdf", "image/png"]
    for row in rows:  # a random name on disk: never the sender's
        assert (media / row.file.name).is_file()
        assert "报价单" not in row.file.name and "冰柜" not in row.file.name
        assert row.file.name.startswith(f"workflow/{instance.pk}/")
    event = instance.events.get(action=action)
    assert event.data.get("files") == ["报价单.pdf", "冰柜照片.png"]


def test_resubmit_after_return_keeps_new_files(deploy: Any, chain: Any) -> None:
    instance = _returned(deploy, chain)
    [resubmit] = open_tasks(instance)
    services.task_resubmit(
        actor=chain.users["store_a1"],
        task_id=resubmit.pk,
        data={"amount": "95", "reason": "冰柜（附报价）"},
        comment="已补报价",
        attachments=[_pdf("新报价.pdf")],
    )
    [row] = Attachment.objects.filter(instance=instance)
    assert (row.name, row.task_id, row.uploaded_by.username) == ("新报价.pdf", resubmit.pk, "store_a1")
    assert instance.events.get(action="resubmit").data["files"] == ["新报价.pdf"]
    # The history row links the file it recorded (the download view decides who may open it).
    client = Client()
    client.force_login(chain.users["store_a1"])
    page = client.get(reverse("workflow:instance", args=[instance.pk])).content.decode()
    assert (
        f'href="{reverse("workflow:attachment", args=[row.pk])}"' in page
        and 'data-testid="history-file"' in page
    )


def test_comment_keeps_its_files_and_a_file_alone_is_a_comment(deploy: Any, chain: Any) -> None:
    instance = _review(deploy, chain)
    services.instance_comment(
        actor=chain.users["store_a1"], instance_id=instance.pk, comment="补一张照片", attachments=[_png()]
    )
    services.instance_comment(
        actor=chain.users["store_a1"], instance_id=instance.pk, comment="", attachments=[_pdf()]
    )
    assert sorted(Attachment.objects.filter(instance=instance).values_list("name", flat=True)) == [
        "冰柜照片.png",
        "报价单.pdf",
    ]
    with pytest.raises(DomainError):
        services.instance_comment(actor=chain.users["store_a1"], instance_id=instance.pk, comment=" ")


def test_a_file_of_a_refused_type_changes_nothing(deploy: Any, chain: Any, media: Path) -> None:
    instance = _review(deploy, chain)
    task = task_for(instance, "area_a")
    bad = SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    with pytest.raises(ValidationFailed) as refused:
        services.task_approve(actor=chain.users["area_a"], task_id=task.pk, attachments=[_pdf(), bad])
    assert "run.exe" in str(refused.value)
    task.refresh_from_db()
    assert task.status == "open" and not Attachment.objects.exists() and _stored_files(media) == []


def test_files_of_a_rolled_back_action_are_removed(
    deploy: Any, chain: Any, media: Path, monkeypatch: Any
) -> None:
    instance = _review(deploy, chain)
    task = task_for(instance, "area_a")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the history could not be written")

    monkeypatch.setattr(runtime, "event", broken)
    with pytest.raises(RuntimeError):
        services.task_approve(actor=chain.users["area_a"], task_id=task.pk, attachments=[_pdf(), _png()])
    monkeypatch.undo()
    task.refresh_from_db()
    assert task.status == "open" and not Attachment.objects.exists()
    assert _stored_files(media) == []  # written, then removed with the transaction's rollback
    services.task_approve(actor=chain.users["area_a"], task_id=task.pk, attachments=[_pdf()])
    assert len(_stored_files(media)) == 1  # a committed action keeps its file


def test_files_of_a_refused_start_are_removed(deploy: Any, chain: Any, media: Path, monkeypatch: Any) -> None:
    deploy("review.bpmn", key="review")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("engine down")

    monkeypatch.setattr(runtime, "fire_rules", broken)
    with pytest.raises(RuntimeError):
        services.instance_start(
            actor=chain.users["store_a1"],
            key="review",
            data={"amount": "5", "reason": "x"},
            attachments=[_pdf()],
        )
    assert _stored_files(media) == [] and not Attachment.objects.exists()


def test_download_only_for_people_who_see_the_request(client: Any, deploy: Any, chain: Any) -> None:
    instance = _review(deploy, chain)
    services.instance_comment(
        actor=chain.users["store_a1"],
        instance_id=instance.pk,
        comment="附件",
        attachments=[
            _pdf(),
            _png(),
            SimpleUploadedFile("说明.txt", b"<script>alert(1)</script>", content_type="text/html"),
            SimpleUploadedFile("fake.png", b"<html><script>x</script>", content_type="image/png"),
        ],
    )
    pdf, png, txt, fake = Attachment.objects.filter(instance=instance).order_by("pk")
    client.force_login(chain.users["area_a"])  # the approver sees the request
    shown = client.get(reverse("workflow:attachment", args=[pdf.pk]))
    assert shown.status_code == 200 and shown["Content-Type"] == "application/pdf"
    assert shown["Content-Disposition"].startswith("inline")
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert b"".join(shown.streaming_content) == PDF
    image = client.get(reverse("workflow:attachment", args=[png.pk]))
    assert image["Content-Type"] == "image/png" and image["Content-Disposition"].startswith("inline")
    for row in (txt, fake):  # anything else, or an image whose bytes are not one, is a download
        got = client.get(reverse("workflow:attachment", args=[row.pk]))
        assert got.status_code == 200 and got["Content-Type"] == "application/octet-stream"
        assert got["Content-Disposition"].startswith("attachment")
        assert got["X-Content-Type-Options"] == "nosniff"
    assert (
        "filename*=utf-8''%E8%AF%B4%E6%98%8E.txt"
        in client.get(reverse("workflow:attachment", args=[txt.pk]))["Content-Disposition"]
    )
    for outsider in ("area_b", "nobody"):
        client.force_login(chain.users[outsider])
        assert client.get(reverse("workflow:attachment", args=[pdf.pk])).status_code == 404
        assert client.get(reverse("workflow:attachment-thumb", args=[png.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("workflow:attachment", args=[pdf.pk])).status_code == 302  # to the login
    assert client.get(reverse("workflow:attachment", args=[999999])).status_code == 302


def test_thumbnails_of_images_on_the_request_page(client: Any, deploy: Any, chain: Any, media: Path) -> None:
    instance = _review(deploy, chain)
    services.instance_comment(
        actor=chain.users["store_a1"], instance_id=instance.pk, comment="照片", attachments=[_png(), _pdf()]
    )
    png, pdf = Attachment.objects.filter(instance=instance).order_by("pk")
    client.force_login(chain.users["store_a1"])
    page = client.get(reverse("workflow:instance", args=[instance.pk])).content.decode()
    assert reverse("workflow:attachment-thumb", args=[png.pk]) in page
    assert reverse("workflow:attachment-thumb", args=[pdf.pk]) not in page
    assert reverse("workflow:attachment", args=[pdf.pk]) in page and "/media/" not in page
    thumb = client.get(reverse("workflow:attachment-thumb", args=[png.pk]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    from PIL import Image

    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 320
    assert client.get(reverse("workflow:attachment-thumb", args=[pdf.pk])).status_code == 404
    assert (media / f"{png.file.name}.thumb.jpg").is_file()  # made once, then served from storage


def test_page_actions_keep_files(client: Any, deploy: Any, chain: Any) -> None:
    instance = _review(deploy, chain)
    client.force_login(chain.users["area_a"])
    task = task_for(instance, "area_a")
    client.post(
        reverse("workflow:task", args=[task.pk]),
        {"action": "return", "to": "requester", "comment": "补报价", "attachments": [_pdf("退回说明.pdf")]},
    )
    client.force_login(chain.users["store_a1"])
    [resubmit] = open_tasks(instance)
    client.post(
        reverse("workflow:task", args=[resubmit.pk]),
        {
            "action": "resubmit",
            "f_amount": "90",
            "f_reason": "冰柜",
            "comment": "已补",
            "attachments": [_pdf("新报价.pdf")],
        },
    )
    client.post(
        reverse("workflow:instance-act", args=[instance.pk]),
        {"action": "comment", "comment": "再补一张", "attachments": [_png()]},
    )
    assert list(
        Attachment.objects.filter(instance=instance).order_by("pk").values_list("name", flat=True)
    ) == [
        "退回说明.pdf",
        "新报价.pdf",
        "冰柜照片.png",
    ]


def test_api_takes_upload_tokens_and_lists_attachments(client: Any, deploy: Any, chain: Any) -> None:
    instance = _review(deploy, chain)
    area = Api(client, chain.users["area_a"])
    uploaded = client.post("/api/forms/uploads", {"file": _pdf()}, **area.auth)
    assert uploaded.status_code == 201, uploaded.content
    token = uploaded.json()["token"]
    stranger = Api(client, chain.users["supervisor"])  # a token is only good for whoever uploaded it
    theirs = client.post("/api/forms/uploads", {"file": _pdf("别人的.pdf")}, **stranger.auth).json()["token"]
    task = area.my_task(instance.pk)
    refused = area.post(
        f"/tasks/{task['id']}/complete",
        {"action": "return", "to": "requester", "comment": "补", "attachments": [theirs]},
    )
    assert refused.status_code == 422 and not Attachment.objects.exists()
    done = area.post(
        f"/tasks/{task['id']}/complete",
        {"action": "return", "to": "requester", "comment": "补", "attachments": [token]},
    )
    assert done.status_code == 200, done.content
    body = Api(client, chain.users["store_a1"]).get(f"/instances/{instance.pk}").json()
    [listed] = body["attachments"]
    assert listed["name"] == "报价单.pdf" and listed["uploaded_by"] == "area_a"
    assert listed["step"] == "区域经理审批" and listed["thumbnail_url"] is None
    client.force_login(chain.users["store_a1"])
    assert client.get(listed["url"]).status_code == 200
    reused = area.post(f"/instances/{instance.pk}/comments", {"comment": "再用", "attachments": [token]})
    assert reused.status_code == 422  # the upload now belongs to the attachment


def test_form_file_fields_of_a_request_open_only_for_its_viewers(client: Any, chain: Any) -> None:
    from yunying.forms.files import file_token

    instance = services.instance_start(
        actor=chain.users["store_a1"],
        key="purchase",
        data={
            "store": "A1",
            "reason": "补货",
            "items": [{"name": "油", "qty": 1, "unit": "桶", "price": "50"}],
        },
        files={"attachments": [_pdf("报价单.pdf")]},
    )
    [ref] = instance.data["attachments"]
    client.force_login(chain.users["store_a1"])
    page = client.get(reverse("workflow:instance", args=[instance.pk])).content.decode()
    link = f"/workflow/instances/{instance.pk}/files/"
    assert link in page and "/forms/files/" not in page
    token = file_token(ref)
    got = client.get(reverse("workflow:instance-file", args=[instance.pk, token]))
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert got["X-Content-Type-Options"] == "nosniff"
    client.force_login(chain.users["area_b"])  # outside the request's store: 404
    assert client.get(reverse("workflow:instance-file", args=[instance.pk, token])).status_code == 404
    other = services.instance_start(
        actor=chain.users["store_a1"],
        key="purchase",
        data={
            "store": "A1",
            "reason": "补货",
            "items": [{"name": "油", "qty": 1, "unit": "桶", "price": "50"}],
        },
    )
    client.force_login(chain.users["store_a1"])  # a file of another request is not this one's
    assert client.get(reverse("workflow:instance-file", args=[other.pk, token])).status_code == 404
    assert client.get(reverse("workflow:instance-file", args=[instance.pk, "forged"])).status_code == 404
