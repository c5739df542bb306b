"""Shapes of the scheduled exports API, for the OpenAPI description."""

from marshmallow import Schema, fields

FIELD_TEXTS = {
    "export_identifier": "An exporter this token may use at this level.",
    "export_form_data": "The exporter's parameters, validated as for its run.",
    "locale": "Language of the mail (en, de, …).",
    "mail_additional_recipients": "Comma-separated addresses (To), at most 25.",
    "mail_additional_recipients_cc": "Comma-separated addresses (Cc), at most 25.",
    "mail_additional_recipients_bcc": "Comma-separated addresses (Bcc), at most 25.",
    "schedule_rrule": "An RFC 5545 rule: FREQ daily, weekly, monthly or yearly.",
    "schedule_rrule_time": "Time of day (hh:mm[:ss]) in the event's time zone.",
    "mail_subject": "The subject of the mail.",
    "mail_template": "The body of the mail.",
}


def _schedule_schema(name: str, with_timezone: bool):
    """A schedule's fields in pretix's order (``timezone`` before ``error_counter``)."""
    text = FIELD_TEXTS.get
    declared = {
        "id": fields.Integer(required=True),
        "owner": fields.String(required=True, metadata={"description": "The team that made it."}),
    }
    for field_name in (
        "export_identifier",
        "export_form_data",
        "locale",
        "mail_additional_recipients",
        "mail_additional_recipients_cc",
        "mail_additional_recipients_bcc",
        "mail_subject",
        "mail_template",
        "schedule_rrule",
        "schedule_rrule_time",
    ):
        kind = fields.Dict if field_name == "export_form_data" else fields.String
        declared[field_name] = kind(required=True, metadata={"description": text(field_name, "")})
    declared["schedule_next_run"] = fields.String(
        allow_none=True, required=True, metadata={"description": "UTC; null: no more dates."}
    )
    if with_timezone:
        declared["timezone"] = fields.String(required=True)
    declared["error_counter"] = fields.Integer(required=True)
    return Schema.from_dict(declared, name=name)


EventScheduleSchema = _schedule_schema("EventScheduleSchema", with_timezone=False)
OrganizerScheduleSchema = _schedule_schema("OrganizerScheduleSchema", with_timezone=True)


def _page(item):
    class Page(Schema):
        count = fields.Integer(required=True)
        next = fields.String(allow_none=True, required=True)
        previous = fields.String(allow_none=True, required=True)
        results = fields.List(fields.Nested(item), required=True)

    Page.__name__ = f"{item.__name__.removesuffix('Schema')}PageSchema"
    return Page


EventSchedulePageSchema = _page(EventScheduleSchema)
OrganizerSchedulePageSchema = _page(OrganizerScheduleSchema)


def request_body(event_level: bool, partial: bool) -> dict:
    """The body of POST, PUT and PATCH: the writable fields."""
    properties = {
        "export_identifier": {"type": "string"},
        "export_form_data": {"type": "object"},
        "locale": {"type": "string"},
        "mail_additional_recipients": {"type": "string"},
        "mail_additional_recipients_cc": {"type": "string"},
        "mail_additional_recipients_bcc": {"type": "string"},
        "mail_subject": {"type": "string"},
        "mail_template": {"type": "string"},
        "schedule_rrule": {"type": "string"},
        "schedule_rrule_time": {"type": "string"},
    }
    if not event_level:
        properties["timezone"] = {"type": "string"}
    required = [
        "export_identifier",
        "export_form_data",
        "mail_subject",
        "mail_template",
        "schedule_rrule",
        "schedule_rrule_time",
    ]
    schema = {"type": "object", "properties": properties}
    if not partial:
        schema["required"] = required
    example = {
        "export_identifier": "orderlist",
        "export_form_data": {"_format": "xlsx", "paid_only": True},
        "mail_additional_recipients": "accounting@example.org",
        "mail_subject": "Weekly order data",
        "mail_template": "Hello,\n\nattached is the weekly order export.",
        "schedule_rrule": "DTSTART:20260101T000000\nRRULE:FREQ=WEEKLY;BYDAY=MO",
        "schedule_rrule_time": "06:00:00",
    }
    if not event_level:
        example["timezone"] = "Europe/Berlin"
    return {
        "required": True,
        "content": {"application/json": {"schema": schema, "example": example}},
    }
