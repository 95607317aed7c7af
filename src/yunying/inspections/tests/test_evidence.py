"""Visit evidence: photos watermarked on the server, the check-in compared with the store's coordinates
(flagged, never blocking), the store manager's signature kept as an image; bad input changes nothing."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from yunying.core.errors import DomainError, PermissionDenied
from yunying.forms.files import file_from_token
from yunying.inspections import services
from yunying.inspections.evidence import distance_m
from yunying.inspections.factories import png_bytes, small_template
from yunying.inspections.models import StoreLocation, Visit, VisitAnswer
from yunying.inspections.tests.test_services import _full

pytestmark = pytest.mark.django_db
PEOPLE_SQUARE = (31.230416, 121.473701)


@pytest.fixture
def visit(chain):
    version = small_template()
    return services.visit_create(
        actor=chain.users["supervisor"], store=chain.stores_a[0], template=version.template
    )


def test_photos_are_watermarked_on_the_server(visit):
    from PIL import Image

    original = png_bytes(width=2400, height=1800, rgb=(214, 57, 57))
    stored = services.photo_store(
        actor=visit.inspector, visit=visit, upload=SimpleUploadedFile("门口.png", original, "image/png")
    )
    ref = file_from_token(stored["token"])
    assert ref is not None and ref["name"].endswith(".jpg")
    with default_storage.open(ref["path"]) as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    assert max(image.size) == 1600  # resized on the server too
    top, foot = image.getpixel((5, 5)), image.getpixel((5, image.height - 3))
    assert top[0] > 180 and foot[0] < 140  # the dark band of the watermark at the foot, the photo above


def test_checkin_is_compared_with_the_store_and_never_blocks(chain, visit):
    services.visit_checkin(actor=visit.inspector, visit=visit, latitude=31.2, longitude=121.4, accuracy=20)
    visit.refresh_from_db()
    assert visit.checkin_at and visit.checkin_distance_m is None and not visit.checkin_flagged
    with pytest.raises(PermissionDenied):
        services.store_location_set(
            actor=chain.users["supervisor"], store=visit.store, latitude=1, longitude=1
        )
    services.store_location_set(
        actor=chain.users["mgmt"], store=visit.store, latitude=PEOPLE_SQUARE[0], longitude=PEOPLE_SQUARE[1]
    )
    services.visit_checkin(
        actor=visit.inspector, visit=visit, latitude=PEOPLE_SQUARE[0] + 0.001, longitude=PEOPLE_SQUARE[1]
    )
    visit.refresh_from_db()
    assert 100 <= visit.checkin_distance_m <= 120 and not visit.checkin_flagged
    services.visit_checkin(actor=visit.inspector, visit=visit, latitude=31.3, longitude=121.47)
    visit.refresh_from_db()
    assert visit.checkin_distance_m > 7000 and visit.checkin_flagged
    with pytest.raises(DomainError):
        services.visit_checkin(actor=visit.inspector, visit=visit, latitude=91, longitude=0)
    with pytest.raises(DomainError):
        services.visit_checkin(actor=visit.inspector, visit=visit, latitude="x", longitude=0)
    visit.refresh_from_db()
    assert visit.checkin_flagged  # the refused ones changed nothing
    # the visit is submitted all the same
    services.visit_submit(actor=visit.inspector, visit=visit, answers=_full(visit), idempotency_key="k")
    assert Visit.objects.get(pk=visit.pk).status == "submitted"


def test_distance_is_the_great_circle():
    assert distance_m(0, 0, 0, 1) == pytest.approx(111_195, abs=5)
    assert distance_m(*PEOPLE_SQUARE, *PEOPLE_SQUARE) == 0


def test_the_signature_is_kept_and_a_bad_one_refuses_the_submission(visit):
    bad = "data:image/png;base64," + base64.b64encode(b"not a png").decode()
    with pytest.raises(DomainError, match="签字"):
        services.visit_submit(
            actor=visit.inspector, visit=visit, answers=_full(visit), idempotency_key="k", signature=bad
        )
    assert Visit.objects.get(pk=visit.pk).status == "draft" and not VisitAnswer.objects.exists()
    good = "data:image/png;base64," + base64.b64encode(png_bytes(300, 100, (255, 255, 255))).decode()
    services.visit_submit(
        actor=visit.inspector,
        visit=visit,
        answers=_full(visit),
        idempotency_key="k",
        signature=good,
        signed_by="王店长",
    )
    visit.refresh_from_db()
    assert visit.signature["path"] and visit.signed_by == "王店长"


def test_the_api_checks_in_and_shows_the_evidence(chain, visit):
    StoreLocation.objects.create(store=visit.store, latitude=PEOPLE_SQUARE[0], longitude=PEOPLE_SQUARE[1])
    client = Client()
    client.force_login(visit.inspector)
    response = client.post(
        f"/api/inspections/visits/{visit.pk}/checkin",
        {"latitude": 31.25, "longitude": 121.473701, "accuracy": 15},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["flagged"] is True and response.json()["store_has_location"] is True
    detail = client.get(f"/api/inspections/visits/{visit.pk}").json()
    assert detail["checkin"]["flagged"] is True and detail["signature"] is None
    other = Client()
    other.force_login(chain.users["area_a"])
    assert (
        other.post(
            f"/api/inspections/visits/{visit.pk}/checkin",
            {"latitude": 31.25, "longitude": 121.4},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_the_inspector_signs_too_and_both_may_be_required(chain, visit):
    from yunying.core.errors import ValidationFailed
    from yunying.core.settings_store import setting_set

    good = "data:image/png;base64," + base64.b64encode(png_bytes(300, 100, (255, 255, 255))).decode()
    bad = "data:image/png;base64," + base64.b64encode(b"not a png").decode()
    with pytest.raises(DomainError, match="签字"):
        services.visit_submit(
            actor=visit.inspector,
            visit=visit,
            answers=_full(visit),
            idempotency_key="k",
            inspector_signature=bad,
        )
    setting_set(key="inspections.signatures_required", value=True)
    for given, missing in (({}, 2), ({"signature": good}, 1), ({"inspector_signature": good}, 1)):
        with pytest.raises(ValidationFailed) as refused:
            services.visit_submit(
                actor=visit.inspector, visit=visit, answers=_full(visit), idempotency_key="k", **given
            )
        messages = [e["message"] for e in refused.value.errors]
        assert len(messages) == missing and all("签字才能提交" in m for m in messages)
    assert Visit.objects.get(pk=visit.pk).status == "draft" and not VisitAnswer.objects.exists()

    client = Client()
    client.force_login(visit.inspector)
    url = f"/api/inspections/visits/{visit.pk}/submit"
    response = client.post(
        url, {"answers": _full(visit), "idempotency_key": "k", "signature": good}, "application/json"
    )
    assert response.status_code in (400, 422)
    assert [e["field"] for e in response.json()["errors"]] == ["inspector_signature"]
    response = client.post(
        url,
        {"answers": _full(visit), "idempotency_key": "k", "signature": good, "inspector_signature": good},
        "application/json",
    )
    assert response.status_code == 200, response.content
    body = client.get(f"/api/inspections/visits/{visit.pk}").json()
    assert body["signature"] and body["inspector_signature"]
    visit.refresh_from_db()
    assert visit.inspector_signature["path"] and visit.signature["path"] != visit.inspector_signature["path"]
    page = client.get(f"/inspections/visits/{visit.pk}/").content.decode()
    assert 'data-testid="visit-inspector-signature"' in page


def test_signatures_stay_optional_by_default(visit):
    services.visit_submit(actor=visit.inspector, visit=visit, answers=_full(visit), idempotency_key="k")
    visit.refresh_from_db()
    assert visit.status == "submitted" and visit.signature is None and visit.inspector_signature is None
