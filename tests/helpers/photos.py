"""Pictures for photo tests (plain, with GPS and camera metadata, a decompression bomb's
header) and a look into the photo folder, for report and message photos alike."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

from PIL import Image
from quart import Quart

from pwa import photos

GPS_IFD = 0x8825
SECRET_MAKE = "SecretCam-4711"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>52,22.2N</exif:GPSLatitude></x:xmpmeta>'
)
# Bytes of the upload that a re-encoded photo must never carry.
TRACES = (
    b"Exif\x00\x00",
    SECRET_MAKE.encode(),
    b"GPSLatitude",
    b"taken at home",
    b"not-really-icc",
)


def jpeg(size: tuple[int, int] = (64, 48), color: str = "teal", **save: Any) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", **save)
    return buffer.getvalue()


def png(size: tuple[int, int], mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = SECRET_MAKE  # camera make
    exif[0x0132] = "2026:11:27 08:15:00"  # date and time
    exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 12.5), 3: "E", 4: (4.0, 53.0, 30.0)}
    return jpeg(
        exif=exif.tobytes(), xmp=XMP, comment=b"taken at home", icc_profile=b"not-really-icc" * 8
    )


def declared_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture: a decompression bomb's calling card."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def folder(app: Quart) -> Path:
    return Path(app.instance_path) / photos.FOLDER


def stored_files(app: Quart) -> list[Path]:
    """Every file in the photo folder, temporary ones included."""
    return sorted(folder(app).iterdir()) if folder(app).exists() else []


def open_image_bytes(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def open_image(path: Path) -> Image.Image:
    return open_image_bytes(path.read_bytes())


def outside_static(app: Quart, path: Path) -> bool:
    assert app.static_folder is not None
    return not path.resolve().is_relative_to(Path(app.static_folder).resolve())
