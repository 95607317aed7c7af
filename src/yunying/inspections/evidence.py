"""Evidence people can trust: photos watermarked on the server with the time, the store and the inspector;
the check-in position compared with the store's coordinates (flagged, never blocking); the store manager's
signature drawn on the phone, kept as an image."""

from __future__ import annotations

import base64
import binascii
import io
import math
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils.translation import gettext as _

from yunying.core.errors import DomainError

MAX_PIXELS = 40_000_000
LONG_SIDE = 1600
MAX_SIGNATURE_BYTES = 300_000
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
EARTH_RADIUS_M = 6_371_008.8


def _font(size: int) -> tuple[object, bool]:
    """A font that writes Chinese when the machine has one (True), else Pillow's own (ASCII only)."""
    from PIL import ImageFont

    for path in FONT_CANDIDATES:
        if Path(path).exists():
            try:
                return ImageFont.truetype(path, size), True
            except OSError:
                continue
    return ImageFont.load_default(size=size), False


def watermark(upload: UploadedFile, lines: list[str], ascii_lines: list[str]) -> UploadedFile:
    """The photo, at most 1600 pixels on its long side, with ``lines`` written on a dark band at its foot, as
    a JPEG. A format Pillow cannot read (HEIC from some phones) is returned unchanged; a picture over 40
    megapixels is refused."""
    from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

    upload.seek(0)
    try:
        opened = Image.open(upload)
        if opened.width * opened.height > MAX_PIXELS:
            raise DomainError(_("照片像素过大（超过 4000 万像素）。"), field="photo")
        image: Image.Image = ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError):
        upload.seek(0)
        return upload
    image.thumbnail((LONG_SIDE, LONG_SIDE))
    size = max(12, image.width // 40)
    font, chinese = _font(size)
    text = lines if chinese else ascii_lines
    band = int(size * 1.5 * len(text) + size * 0.6)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle((0, image.height - band, image.width, image.height), fill=(0, 0, 0, 140))
    y = image.height - band + int(size * 0.3)
    for line in text:
        draw.text((int(size * 0.5), y), line, font=font, fill=(255, 255, 255, 235))  # type: ignore[arg-type]
        y += int(size * 1.5)
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    stem = Path(upload.name or "photo").stem[:80] or "photo"
    return SimpleUploadedFile(f"{stem}.jpg", out.getvalue(), content_type="image/jpeg")


def distance_m(
    lat1: Decimal | float, lng1: Decimal | float, lat2: Decimal | float, lng2: Decimal | float
) -> int:
    """The great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a))))


def signature_upload(data_url: str) -> UploadedFile:
    """The signature drawn on the phone (a PNG data URL) as an upload, checked: a PNG, at most 300 KB."""
    prefix = "data:image/png;base64,"
    if not isinstance(data_url, str) or not data_url.startswith(prefix):
        raise DomainError(_("签字图片格式不正确。"), field="signature")
    if len(data_url) > MAX_SIGNATURE_BYTES * 4 // 3 + len(prefix) + 4:
        raise DomainError(_("签字图片过大。"), field="signature")
    try:
        content = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(_("签字图片格式不正确。"), field="signature") from None
    if not content.startswith(b"\x89PNG\r\n\x1a\n"):
        raise DomainError(_("签字图片格式不正确。"), field="signature")
    return SimpleUploadedFile("signature.png", content, content_type="image/png")
