"""Open311 GeoReport v2: the specification's address and its service request fields, in the order
the specification lists them. The API (portal.georeport) answers with them and the loopback
Open311 server (replay.open311) serves them, so both speak the one list."""

SPEC = "http://wiki.open311.org/GeoReport_v2"
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)
