"""The catalog of the sample release: DCAT-US 1.1 data.json and schema.org Dataset JSON-LD.

DCAT-US 1.1's rules checked here (https://project-open-data.cio.gov/v1.1/schema): the catalog's
conformsTo and dataset; each dataset's required fields (title, description, keyword, modified,
publisher, contactPoint with fn and a mailto: hasEmail, identifier, accessLevel) and the
"if applicable" ones we have (license, spatial, temporal, accrualPeriodicity, describedBy);
a distribution with a downloadURL has a mediaType and a format.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sample_release import VERSION

from portal import db, package
from portal.catalog import CatalogContext, data_json, dataset_jsonld, geometry_bounds, publisher

MEDIA_TYPE = re.compile(r"^[-\w]+/[-\w]+(\.[-\w]+)*([+][-\w]+)?$")
MAILTO = re.compile(r"^mailto:([\w.-]+@[\w.-]+\.[\w.-]+)?$")
CTX = CatalogContext(
    api="http://api.test",
    dashboard="http://dash.test",
    first=datetime(2023, 12, 23),
    last=datetime(2024, 3, 31, 12),
    bounds=(-105.0, 39.75, -104.97, 39.76),
    contact_email="opendata@test.city",
)


@pytest.fixture(scope="module")
def release(engine):
    return db.load_release(engine, VERSION)


def test_catalog_follows_dcat_us(release):
    doc = data_json(release, package.resources(release), CTX)
    assert doc["conformsTo"] == "https://project-open-data.cio.gov/v1.1/schema"
    assert doc["@context"] == "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld"
    assert doc["@type"] == "dcat:Catalog" and doc["@id"] == "http://api.test/catalog/data.json"
    assert [d["identifier"] for d in doc["dataset"]] == [
        "test-city-311/service_requests",
        "test-city-311/service_requests_parquet",
        "test-city-311/neighborhoods",
        "test-city-311/service_types",
    ]
    for dataset in doc["dataset"]:
        assert dataset["@type"] == "dcat:Dataset"
        for key in ("title", "description", "modified", "identifier"):
            assert isinstance(dataset[key], str) and dataset[key]
        assert dataset["keyword"] and all(isinstance(k, str) and k for k in dataset["keyword"])
        assert len(set(dataset["keyword"])) == len(dataset["keyword"])
        assert dataset["publisher"] == {"@type": "org:Organization", "name": "Test City 311 export"}
        assert dataset["contactPoint"]["fn"] == "Test City 311 export"
        assert MAILTO.match(dataset["contactPoint"]["hasEmail"])
        assert dataset["accessLevel"] == "public"
        assert dataset["license"] == "https://creativecommons.org/publicdomain/zero/1.0/"
        assert dataset["modified"] == "2024-04-01T06:00:00Z"
        assert dataset["spatial"] == "-105.000000,39.750000,-104.970000,39.760000"
        assert dataset["temporal"] == "2023-12-23T00:00:00Z/2024-03-31T12:00:00Z"
        assert dataset["accrualPeriodicity"] == "irregular"
        assert dataset["landingPage"] == "http://dash.test/data"
        for dist in dataset["distribution"]:
            assert dist["@type"] == "dcat:Distribution"
            if "downloadURL" in dist:
                assert MEDIA_TYPE.match(dist["mediaType"]) and dist["format"]


def test_each_dataset_offers_its_exact_file_and_its_table_schema(release):
    doc = data_json(release, package.resources(release), CTX)
    first = {d["identifier"].split("/")[1]: d["distribution"][0] for d in doc["dataset"]}
    assert first["service_requests"] == {
        "@type": "dcat:Distribution",
        "title": "service_requests",
        "description": "service_requests.csv, checksum " + package.resources(release)[0].declared_hash + ".",
        "downloadURL": f"http://api.test/catalog/files/{VERSION}/data/service_requests.csv",
        "mediaType": "text/csv",
        "format": "CSV",
        "describedBy": "http://api.test/catalog/schemas/service_requests.json",
        "describedByType": "application/json",
    }
    assert first["service_requests_parquet"]["describedBy"] == "http://api.test/catalog/schemas/service_requests.json"
    assert first["neighborhoods"]["describedBy"] == f"http://api.test/catalog/files/{VERSION}/datapackage.json"
    assert first["neighborhoods"]["mediaType"] == "application/geo+json"
    assert doc["dataset"][2]["keyword"] == ["311", "neighborhoods"]  # the sample declares no keywords
    services = doc["dataset"][0]["distribution"][1:]
    assert [d["accessURL"] for d in services] == [
        "http://api.test/api/requests.json",
        "http://api.test/open311/v2/discovery.json",
    ]


def test_contact_falls_back_and_extent_is_optional(release):
    bare = CatalogContext(api="http://a", dashboard="http://d")
    dataset = data_json(release, package.resources(release), bare)["dataset"][0]
    assert dataset["contactPoint"]["hasEmail"] == "mailto:" and "spatial" not in dataset and "temporal" not in dataset
    assert publisher(release) == {"name": "Test City 311 export", "email": None}


def test_schema_org_dataset(release):
    doc = dataset_jsonld(release, package.resources(release), CTX)
    assert doc["@context"] == "https://schema.org" and doc["@type"] == "Dataset"
    assert (doc["name"], doc["version"], doc["url"]) == ("Test City 311 <requests>", VERSION, "http://dash.test/data")
    assert doc["spatialCoverage"]["geo"] == {"@type": "GeoShape", "box": "39.75 -105.0 39.76 -104.97"}
    assert doc["temporalCoverage"] == "2023-12-23T00:00:00Z/2024-03-31T12:00:00Z"
    assert [d["contentUrl"] for d in doc["distribution"]][
        0
    ] == f"http://api.test/catalog/files/{VERSION}/data/service_requests.csv"


def test_geometry_bounds():
    square = {"type": "Polygon", "coordinates": [[[-105, 39.75], [-104.99, 39.75], [-104.99, 39.76], [-105, 39.75]]]}
    multi = {"type": "MultiPolygon", "coordinates": [[[[-104.9, 39.7], [-104.8, 39.8], [-104.9, 39.7]]]]}
    assert geometry_bounds([square, multi, None]) == (-105, 39.7, -104.8, 39.8)
    assert geometry_bounds([]) is None


def test_catalog_context_reads_the_extent_from_the_database(conn):
    from datetime import timedelta

    from sample_release import T

    from portal.catalog import catalog_context

    ctx = catalog_context(conn, "http://api.test/", "http://dash.test", contact_email="a@b.test")
    assert (ctx.api, ctx.dashboard, ctx.contact_email, ctx.periodicity) == (
        "http://api.test",
        "http://dash.test",
        "a@b.test",
        "irregular",
    )
    assert (ctx.first, ctx.last) == (T - timedelta(days=100), T - timedelta(days=0.5))
    assert ctx.bounds == (-105.0, 39.75, -104.97, 39.76)  # the three squares side by side
