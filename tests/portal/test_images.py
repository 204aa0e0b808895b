"""The brief's pictures: exact PNG sizes, the imprint on every newsletter image, safe text."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image
from sample_release import TZ, T

from portal import brief, geometry, images, queries
from portal.i18n import translator
from portal.wording import Imprint

EN = translator("en")
IMPRINT = Imprint("Test City 311", "v1", "CC0-1.0", "Test", False, "https://311.example.org")


@pytest.fixture
def n1(conn):
    return brief.build_brief(conn, T, TZ, "N1", 30, "Last 30 days")


@pytest.mark.parametrize("size", list(images.PNG_SIZES))
def test_png_opens_with_the_expected_size(n1, size):
    image = Image.open(io.BytesIO(images.brief_png(n1, IMPRINT, EN, size)))
    assert (image.format, image.size) == ("PNG", images.PNG_SIZES[size])


@pytest.mark.parametrize("lang", ["en", "es", "zh_Hans"])
def test_newsletter_names_city_release_licence_and_address(n1, lang):
    texts = "\n".join(t.get_text() for t in images.newsletter(n1, IMPRINT, translator(lang)).texts)
    assert "Test City 311" in texts and "v1" in texts and "CC0-1.0" in texts
    assert "https://311.example.org/neighborhood?nbhd=N1" in texts


def test_png_survives_mathtext_in_data(n1):
    imprint = replace(IMPRINT, is_demo=True)
    Image.open(io.BytesIO(images.brief_png(replace(n1, name="$x^2$ fee $5"), imprint, EN))).verify()


def test_map_png_draws_the_neighborhood_and_its_open_requests(conn, n1):
    rows = queries.list_neighborhoods(conn, with_geometry=True)
    neighbors = [{**r, "label_point": geometry.label_point(r["geometry"])} for r in rows]
    image = Image.open(io.BytesIO(images.map_png(n1, neighbors, EN))).convert("RGB")
    colours = {c for _, c in image.getcolors(1_000_000)}
    assert (213, 94, 0) in colours  # the vermillion of an overdue open request (SR-14, SR-9)
    assert image.size == (900, 560)
