"""Robot messages and signatures: each platform's documented format, checked against values computed
independently (``openssl dgst -sha256 -hmac``) for a known timestamp and secret."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote

import pytest

from yunying.core.errors import DomainError
from yunying.notifications import robots, services
from yunying.notifications.models import Platform, Robot
from yunying.notifications.tests.receiver import receiver

# printf '1700000000000\nSECtestsecret' | openssl dgst -sha256 -hmac SECtestsecret -binary | base64
DINGTALK_SIGN = "7LVwF0dAF3/+MRRulbpE4y72Ogzykc6bS2nG4I99T4s="
# key = '1700000000\nfeishu-secret', message empty: openssl dgst -sha256 -mac HMAC -macopt hexkey:… | base64
FEISHU_SIGN = "OrBzY1Y01Gq+HgJsl+7OfWcMVwc7YocohQm5iiZwjhU="


def test_dingtalk_signature_matches_the_documented_algorithm() -> None:
    sign = robots.dingtalk_sign("SECtestsecret", 1700000000000)
    assert sign == "7LVwF0dAF3%2F%2BMRRulbpE4y72Ogzykc6bS2nG4I99T4s%3D"  # base64, then URL-encoded
    assert unquote(sign) == DINGTALK_SIGN


def test_feishu_signature_matches_the_documented_algorithm() -> None:
    assert robots.feishu_sign("feishu-secret", 1700000000) == FEISHU_SIGN


def test_request_formats_per_platform() -> None:
    message = robots.Message(
        title="已超时", text="S01 冷库维修", url="https://ops.example.com/workflow/tasks/7/"
    )
    url, body = robots.build_request(
        Platform.DINGTALK,
        "https://oapi.dingtalk.com/robot/send?access_token=x",
        "SECtestsecret",
        message,
        now_ms=1700000000000,
    )
    assert url.endswith(
        "access_token=x&timestamp=1700000000000&sign=7LVwF0dAF3%2F%2BMRRulbpE4y72Ogzykc6bS2nG4I99T4s%3D"
    )
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == "已超时"
    assert "[查看详情](https://ops.example.com/workflow/tasks/7/)" in body["markdown"]["text"]

    url, body = robots.build_request(
        Platform.WECOM, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "", message, now_ms=1
    )
    assert url.endswith("key=k") and body["msgtype"] == "markdown"
    assert "S01 冷库维修" in body["markdown"]["content"]

    url, body = robots.build_request(
        Platform.FEISHU,
        "https://open.feishu.cn/open-apis/bot/v2/hook/h",
        "feishu-secret",
        message,
        now_ms=1700000000123,
    )
    assert body["timestamp"] == "1700000000" and body["sign"] == FEISHU_SIGN
    assert body["msg_type"] == "interactive"
    assert body["card"]["header"]["title"]["content"] == "已超时"
    [button] = body["card"]["elements"][1]["actions"]
    assert button["url"] == "https://ops.example.com/workflow/tasks/7/"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://oapi.dingtalk.com/robot/send?access_token=x", True),
        ("http://oapi.dingtalk.com/robot/send?access_token=x", False),
        ("ftp://example.com/x", False),
        ("http://127.0.0.1:9/robot", True),  # loopback: allowed in tests
        ("http://localhost:9/robot", True),
        ("http://10.0.0.8/robot", False),
        ("not a url", False),
    ],
)
def test_robot_url_must_be_https(url: str, ok: bool) -> None:
    if ok:
        assert robots.url_check(url) == url
    else:
        with pytest.raises(DomainError, match="https://"):
            robots.url_check(url)


def test_plain_http_to_loopback_needs_the_setting(settings: Any) -> None:
    settings.YUNYING_ROBOT_ALLOW_HTTP_LOOPBACK = False
    settings.DEBUG = False
    with pytest.raises(DomainError):
        robots.url_check("http://127.0.0.1:9/robot")


def test_robot_secret_and_url_are_stored_encrypted_and_never_rendered(
    chain: Any, client: Any, caplog: Any
) -> None:
    admin = chain.users["gm"]
    admin.is_superuser = admin.is_staff = True
    admin.save()
    secret, url = "SECverysecretvalue123", "https://oapi.dingtalk.com/robot/send?access_token=tok-abcdef-9876"
    robot = services.robot_save(
        actor=admin, name="浦东区域群", platform="dingtalk", url=url, secret=secret, kinds=["overdue"]
    )
    row = Robot.objects.get(pk=robot.pk)
    assert secret not in row.secret_encrypted and "tok-abcdef" not in row.url_encrypted
    assert row.url_hint == "https://oapi.dingtalk.com/…9876"
    client.force_login(admin)
    caplog.set_level(logging.DEBUG)
    for page in (
        "/notifications/robots/",
        f"/notifications/robots/{robot.pk}/",
        f"/admin/notifications/robot/{robot.pk}/change/",
        "/admin/notifications/robot/",
    ):
        html = client.get(page).content.decode()
        assert secret not in html and "tok-abcdef" not in html, page
    assert secret not in caplog.text and "tok-abcdef" not in caplog.text


def test_bad_robot_input_is_refused_with_a_message(chain: Any) -> None:
    admin = chain.users["gm"]
    admin.is_superuser = True
    admin.save()
    before = Robot.objects.count()
    cases = [
        ({"url": "http://oapi.dingtalk.com/x"}, "https://"),
        ({"secret": "no-prefix"}, "SEC"),
        ({"kinds": ["nonsense"]}, "nonsense"),
        ({"name": " "}, "名称"),
    ]
    for change, text in cases:
        args = {
            "name": "群",
            "platform": "dingtalk",
            "url": "https://oapi.dingtalk.com/x",
            "kinds": [],
            **change,
        }
        with pytest.raises(DomainError, match=text):
            services.robot_save(actor=admin, **args)
    with pytest.raises(DomainError):
        services.robot_save(
            actor=chain.users["store_a1"], name="x", platform="wecom", url="https://q/x", kinds=[]
        )
    assert Robot.objects.count() == before


def test_send_test_message_reports_the_platform_answer(chain: Any) -> None:
    admin = chain.users["gm"]
    admin.is_superuser = True
    admin.save()
    with receiver() as hook:
        robot = services.robot_save(
            actor=admin, name="测试群", platform="dingtalk", url=hook.url, secret="SECabc", kinds=[]
        )
        services.robot_send_test(actor=admin, robot_id=robot.pk)
        [got] = hook.requests
        assert got.query["access_token"] == "t0ken" and got.query["sign"] and got.query["timestamp"]
        assert "测试群" in got.body["markdown"]["text"]
        hook.answer = {"errcode": 310000, "errmsg": "sign not match"}
        with pytest.raises(DomainError, match="sign not match"):
            services.robot_send_test(actor=admin, robot_id=robot.pk)
        hook.statuses = [404]
        with pytest.raises(DomainError, match="HTTP 404"):
            services.robot_send_test(actor=admin, robot_id=robot.pk)
    robot.refresh_from_db()
    assert robot.last_error == "HTTP 404"


def test_admin_adds_a_robot_with_write_only_fields(admin: Any, client: Any) -> None:
    client.force_login(admin)
    url, secret = "https://open.feishu.cn/open-apis/bot/v2/hook/abcdef-123456", "feishu-admin-secret"
    form = {
        "name": "飞书运营群",
        "platform": "feishu",
        "url": url,
        "secret": secret,
        "kinds": '["overdue"]',
        "rate_per_minute": "100",
        "digest_max": "10",
        "is_active": "on",
    }
    response = client.post("/admin/notifications/robot/add/", form)
    assert response.status_code == 302, response.content.decode()[-1500:]
    robot = Robot.objects.get(name="飞书运营群")
    assert robot.kinds == ["overdue"] and robot.has_secret
    from yunying.notifications.secrets import unseal

    assert unseal(robot.url_encrypted) == url and unseal(robot.secret_encrypted) == secret
    change = client.get(f"/admin/notifications/robot/{robot.pk}/change/").content.decode()
    assert secret not in change and "abcdef-123456" not in change
    # saving without the write-only fields keeps them
    client.post(
        f"/admin/notifications/robot/{robot.pk}/change/", {**form, "url": "", "secret": "", "name": "飞书群"}
    )
    robot.refresh_from_db()
    assert (
        robot.name == "飞书群"
        and unseal(robot.secret_encrypted) == secret
        and unseal(robot.url_encrypted) == url
    )
