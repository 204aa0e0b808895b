"""The database tables that hold one published release.

This is the contract between the write side (``etl.load`` fills these tables from a release)
and the read side (``portal.queries`` reads them). It deliberately holds exactly one release:
``releases.is_current`` names it, and every row of ``service_requests`` belongs to it.

Datetimes are stored as naive UTC (``DateTime``) so that SQLite and PostgreSQL compare and
bucket them the same way; the city's time zone is in ``releases.timezone`` for display.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()

releases = Table(
    "releases",
    metadata,
    Column("version", String(32), primary_key=True),
    Column("package_name", String(120), nullable=False),
    Column("title", Text, nullable=False),
    Column("created", String(40), nullable=False, doc="ISO 8601 UTC time the release was published"),
    Column("data_through", String(40), doc="latest updated/requested datetime in the data, city offset"),
    Column("timezone", String(64), nullable=False),
    Column("license_name", String(120)),
    Column("license_path", Text),
    Column("source_title", Text),
    Column("source_path", Text),
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("rows_read", Integer, nullable=False),
    Column("rows_published", Integer, nullable=False),
    Column("rows_quarantined", Integer, nullable=False),
    Column("is_current", Boolean, nullable=False, default=False),
    Column("release_dir", Text, nullable=False, doc="directory holding the release's files when it was loaded"),
    Column("datapackage_json", Text, nullable=False, doc="the release's datapackage.json, verbatim"),
    Column("report_json", Text, nullable=False, doc="the release's report.json, verbatim"),
    Column("changelog_json", Text, nullable=False, doc="summary of changes against the previous release"),
)

# location_precision of a point rounded to 3, 2, 1 or 0 decimals (the profile's
# privacy.coordinate_decimals); the other values are neighborhood_centroid, neighborhood_random, none.
POINT_PRECISIONS = ("point_3dp", "point_2dp", "point_1dp", "point_0dp")


def point_precision(decimals: int) -> str:
    """The location_precision of points rounded to ``decimals`` decimals (0 to 3)."""
    if not 0 <= decimals <= 3:
        raise ValueError(f"coordinate decimals must be 0 to 3, not {decimals}")
    return f"point_{decimals}dp"


# Column order follows schemas/service_requests.schema.json.
service_requests = Table(
    "service_requests",
    metadata,
    Column("service_request_id", String(64), primary_key=True),
    Column("status", String(6), nullable=False),
    Column("status_description", String(100)),
    Column("status_notes", Text),
    Column("service_name", String(200), nullable=False),
    Column("service_code", String(120), nullable=False),
    Column("description", Text),
    Column("agency_responsible", String(200)),
    Column("service_notice", Text),
    Column("requested_datetime", DateTime, nullable=False),
    Column("updated_datetime", DateTime),
    Column("expected_datetime", DateTime),
    Column("closed_datetime", DateTime),
    Column("address", String(300)),
    Column("address_id", String(64)),
    Column("zipcode", String(5)),
    Column("lat", Float),
    Column("long", Float),
    Column("media_url", String(500)),
    Column("channel", String(16), nullable=False),
    Column("neighborhood_code", String(64)),
    Column("neighborhood", String(200)),
    Column("council_district", String(64)),
    Column("days_to_close", Float),
    Column("location_precision", String(24), nullable=False),
    Column("redaction_reason", String(300)),
    Column("quality_flags", String(300)),
    # Two covering indexes serve every page's default view: the trailing columns let the dashboard's
    # aggregates (cohort of a period, open backlog, a neighborhood's brief, a type's typical time)
    # read the index alone instead of the table's rows. Each index costs the load a sort of every
    # row, so there are no others (the default views' query budget is BENCHMARKS.md's queries target).
    Index(
        "ix_sr_neighborhood",
        "neighborhood_code",
        "requested_datetime",
        "status",
        "service_code",
        "days_to_close",
        "expected_datetime",
    ),
    Index("ix_sr_requested", "requested_datetime", "status", "service_code", "agency_responsible", "days_to_close"),
    # The open backlog (about a tenth of the rows) on its own: the headline's backlog and overdue
    # counts, the performance tables' backlog and its median age read it instead of every row's
    # entry in ix_sr_requested. status is a column too: SQLite reads a partial index alone only
    # when it holds every column the query uses.
    Index(
        "ix_sr_open",
        "status",
        "requested_datetime",
        "service_code",
        "agency_responsible",
        "neighborhood_code",
        "expected_datetime",
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
)

# Indexes earlier versions created; a full load drops them from a database that still has them.
RETIRED_INDEXES = ("ix_sr_service_code", "ix_sr_type_place", "ix_sr_status", "ix_sr_closed", "ix_sr_agency")

neighborhoods = Table(
    "neighborhoods",
    metadata,
    Column("neighborhood_code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("centroid_lat", Float, nullable=False),
    Column("centroid_long", Float, nullable=False),
    Column("geometry_geojson", Text, nullable=False, doc="GeoJSON geometry, WGS 84"),
)

service_types = Table(
    "service_types",
    metadata,
    Column("service_code", String(120), primary_key=True),
    Column("service_name", String(200), nullable=False),
    Column("agency_responsible", String(200)),
    Column("target_days", Float),
    Column("is_sensitive", Boolean, nullable=False, default=False),
)

summaries = Table(
    "summaries",
    metadata,
    Column("version", String(32), primary_key=True, doc="the release the figures were computed for"),
    Column("name", String(64), primary_key=True, doc="what they are, e.g. 'headline', 'performance:agency:30'"),
    Column("payload_json", Text, nullable=False, doc="the figures, as portal.summaries encodes them"),
)
