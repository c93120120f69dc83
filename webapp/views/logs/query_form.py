"""The log events page's GET form: pattern, time range, order, stream — as typed, and as a query.

Relative ranges ("last hour") are fixed when the first page is read: the page links carry the
absolute start and end, so "Next events" continues the same window rather than a moving one.
A custom range is typed in the browser's time zone when static/js/console.js could tell it
(the hidden `tz` field), otherwise in UTC.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext, lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from webapp.aws.logs.log_groups import EventQuery

NEWEST, OLDEST = "newest", "oldest"
ORDERS = {NEWEST: _l("Newest first"), OLDEST: _l("Oldest first")}
CUSTOM, ALL_TIME = "custom", "all"
RANGES = {"5m": (_l("Last 5 minutes"), 5 * 60_000), "1h": (_l("Last hour"), 3_600_000),
          "1d": (_l("Last day"), 86_400_000), ALL_TIME: (_l("All time"), None),
          CUSTOM: (_l("Custom"), None)}
DEFAULT_RANGE = ALL_TIME
MAX_PATTERN = 1024  # FilterLogEvents' own limit on filterPattern
INPUT_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f",
                 "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


@dataclass
class LogQueryForm:
    """What the user chose, where the window is fixed, and what is wrong with it."""

    group: str
    pattern: str = ""
    stream: str = ""
    order: str = NEWEST
    range: str = DEFAULT_RANGE
    custom_from: str = ""
    custom_to: str = ""
    tz: str = ""
    start_ms: int | None = None
    end_ms: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def zone_label(self) -> str:
        """The time zone a custom range is read in: the browser's when known, else UTC."""
        return self.tz if self.tz and _zone(self.tz) is not timezone.utc else "UTC"

    def query(self) -> EventQuery:
        """The events this form asks for."""
        return EventQuery(self.group, self.pattern, self.start_ms, self.end_ms, self.stream or None)

    def link_args(self) -> dict[str, object]:
        """URL parameters that reopen this exact view (the window fixed), empty ones left out."""
        args: dict[str, object] = {"group": self.group, "pattern": self.pattern, "stream": self.stream,
                                   "order": self.order if self.order != NEWEST else "",
                                   "range": self.range if self.range != DEFAULT_RANGE else ""}
        if self.range == CUSTOM:
            args.update({"from": self.custom_from, "to": self.custom_to, "tz": self.tz})
        elif self.range != ALL_TIME:
            args.update({"start": self.start_ms, "end": self.end_ms})
        return {name: value for name, value in args.items() if value not in ("", None)}

    def filter_args(self, **changes: object) -> dict[str, object]:
        """The view's choices without the fixed window, for links that should start afresh;
        `changes` replace some (None drops one)."""
        args = self.link_args()
        args.pop("start", None)
        args.pop("end", None)
        args.update(changes)
        return {name: value for name, value in args.items() if value not in ("", None)}


def parse_log_query(group: str, args: MultiDict[str, str], now_ms: int) -> LogQueryForm:
    """Read the form; a relative range ends now unless the link fixed it; errors per field."""
    form = LogQueryForm(group=group, pattern=args.get("pattern", "").strip(),
                        stream=args.get("stream", "")[:512],
                        order=args.get("order", NEWEST), range=args.get("range", "") or DEFAULT_RANGE,
                        custom_from=args.get("from", "").strip(), custom_to=args.get("to", "").strip(),
                        tz=args.get("tz", "").strip()[:64])
    if form.order not in ORDERS:
        form.order = NEWEST
    if len(form.pattern) > MAX_PATTERN:
        form.errors["pattern"] = gettext("A filter pattern has at most %(count)d characters.",
                                         count=MAX_PATTERN)
    if form.range not in RANGES:
        form.errors["range"] = gettext("Choose one of the time ranges offered.")
        form.range = DEFAULT_RANGE
    if form.range == CUSTOM:
        _read_custom(form)
    elif form.range != ALL_TIME:
        length = RANGES[form.range][1] or 0
        fixed_start, fixed_end = _whole(args.get("start")), _whole(args.get("end"))
        if fixed_start is not None and fixed_end is not None and fixed_start <= fixed_end:
            form.start_ms, form.end_ms = fixed_start, fixed_end
        else:
            form.start_ms, form.end_ms = now_ms - length, now_ms
    return form


def _read_custom(form: LogQueryForm) -> None:
    zone = _zone(form.tz)
    form.start_ms = _moment(form, "from", form.custom_from, zone)
    form.end_ms = _moment(form, "to", form.custom_to, zone)
    if form.start_ms is None and form.end_ms is None and not form.errors:
        form.errors["from"] = gettext("Give a start, an end, or both.")
    if form.start_ms is not None and form.end_ms is not None and form.start_ms > form.end_ms:
        form.errors["to"] = gettext("The end is before the start.")


def _moment(form: LogQueryForm, name: str, text: str, zone: timezone | ZoneInfo) -> int | None:
    if not text:
        return None
    for pattern in INPUT_FORMATS:
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        try:
            epoch_ms = int(moment.replace(tzinfo=zone).timestamp() * 1000)
        except (OverflowError, OSError, ValueError):
            break
        if epoch_ms < 0:
            form.errors[name] = gettext("Give a time after 1970-01-01 00:00 UTC.")
            return None
        return epoch_ms
    form.errors[name] = gettext("Give a date and time like 2026-11-25 14:30.")
    return None


def _zone(name: str) -> timezone | ZoneInfo:
    if not name:
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def _whole(text: str | None) -> int | None:
    if not text or not text.isascii() or not text.isdigit() or len(text) > 15:
        return None
    return int(text)
