"""Portal fixtures: case_handling deployed, photo bytes, a report helper."""
from __future__ import annotations

import io

import pytest

from tests.processes.test_case_handling_helpers import case_deployed  # noqa: F401


def image_bytes(fmt="JPEG", size=(40, 30), exif=False) -> bytes:
    from PIL import Image
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"   # Make
        data[0x8825] = {2: (39.0, 54.0, 0.0)}  # GPSInfo latitude
        image.save(out, fmt, exif=data.tobytes())
    else:
        image.save(out, fmt)
    return out.getvalue()


@pytest.fixture
def jpeg():
    return image_bytes()
