"""Checking uploaded files by their content, never by their name or the browser's word.

Images are opened with Pillow and encoded again: what is stored is pixels we wrote ourselves,
without the EXIF block (a phone photo's GPS position would otherwise reveal where the resident
lives or stood). A "PDF" must look like one from both ends and have the bones of one.
"""

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _g
from PIL import Image, ImageOps, UnidentifiedImageError

# A photo of a document needs nothing near this; a bigger one is a decompression bomb risk.
MAX_IMAGE_PIXELS = 40_000_000
_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"}
_PDF_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
_PDF_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content: bytes
    content_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def size(self) -> int:
        return len(self.content)

    def as_content_file(self) -> ContentFile:
        return ContentFile(self.content, name=self.name)


def _display_name(upload) -> str:
    name = PurePath(str(getattr(upload, "name", "") or "file")).name
    return name[:200] or "file"


def _read(upload) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    if hasattr(upload, "chunks"):
        return b"".join(upload.chunks())
    return upload.read()


def _looks_like_pdf(content: bytes) -> bool:
    if not content.startswith(b"%PDF-"):
        return False
    tail = content[-2048:]
    if b"%%EOF" not in tail:
        return False
    # The minimal skeleton: at least one indirect object, and a startxref pointing inside
    # the file (a classic xref table or a cross-reference stream both satisfy this).
    match = _PDF_STARTXREF.search(tail.rstrip(b"\x00\r\n \t") + b"\n")
    if match is None or int(match.group(1)) >= len(content):
        return False
    return _PDF_OBJECT.search(content) is not None


def _reencode_image(content: bytes) -> tuple[bytes, str, str] | None:
    """(bytes, content type, extension) of a clean copy, or None when it is not an image."""
    try:
        with Image.open(io.BytesIO(content)) as probe:
            if probe.format not in _IMAGE_FORMATS:
                return None
            width, height = probe.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError("too-big")
            probe.verify()
        with Image.open(io.BytesIO(content)) as image:
            image.load()
            lossless = image.format in ("PNG", "GIF", "BMP") or image.mode in (
                "RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
            # Keep the picture the right way up once the orientation tag is gone.
            image = ImageOps.exif_transpose(image)
            if "transparency" in image.info:
                image = image.convert("RGBA")
            # Encoders copy some metadata from `info` (EXIF, XMP, ICC, text): drop it all.
            image.info = {}
            out = io.BytesIO()
            if lossless:
                # Screenshots and scans of text stay sharp as PNG.
                if image.mode not in ("RGB", "RGBA", "L", "LA"):
                    image = image.convert("RGBA")
                image.save(out, format="PNG", optimize=True)
                return out.getvalue(), "image/png", ".png"
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            # No exif=…, no icc/xmp copied: the new file carries nothing but the pixels.
            image.save(out, format="JPEG", quality=90, optimize=True)
            return out.getvalue(), "image/jpeg", ".jpg"
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None


def attachment_check(upload, *, kinds: list[str], max_bytes: int) -> CheckedFile:
    """A cleaned copy of one upload, or a ValidationError that names the file."""
    name = _display_name(upload)
    declared_size = getattr(upload, "size", None)
    if declared_size is not None and declared_size > max_bytes:
        raise ValidationError(_too_big(name, max_bytes))
    content = _read(upload)
    if len(content) > max_bytes:
        raise ValidationError(_too_big(name, max_bytes))
    if not content:
        raise ValidationError(_g("%(name)s is empty.") % {"name": name})
    stem = PurePath(name).stem[:150] or "file"
    if "pdf" in kinds and content.startswith(b"%PDF-"):
        if not _looks_like_pdf(content):
            raise ValidationError(
                _g("%(name)s is not a valid PDF document.") % {"name": name})
        return CheckedFile(name=f"{stem}.pdf", content=content, content_type="application/pdf")
    if "image" in kinds:
        try:
            image = _reencode_image(content)
        except ValidationError:
            raise ValidationError(
                _g("%(name)s has too many pixels; send a smaller picture.") % {"name": name}
            ) from None
        if image is not None:
            data, content_type, suffix = image
            return CheckedFile(name=f"{stem}{suffix}", content=data, content_type=content_type)
    allowed = {"image": _g("an image (JPEG or PNG)"), "pdf": _g("a PDF document")}
    raise ValidationError(
        _g("%(name)s is not of an allowed type; send %(kinds)s.")
        % {"name": name, "kinds": _g(" or ").join(str(allowed[k]) for k in kinds)}
    )


def _too_big(name: str, max_bytes: int) -> str:
    return _g("%(name)s is larger than %(mb)s MB.") % {
        "name": name, "mb": f"{max_bytes / 1024 / 1024:g}"}
