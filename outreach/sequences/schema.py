"""The YAML format as pydantic models: validation of each field and the JSON Schema.

These models mirror the file exactly (strings such as ``"90s-6m"`` stay strings); the
loader turns a validated document into the frozen domain values of ``model.py``. Each
field's docstring becomes its description in ``sequences/schema.json``, which editors use
for completion via ``# yaml-language-server: $schema=./schema.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from outreach.i18n import N_, _

from .durations import duration_forms, parse_gap, parse_wait
from .problems import FieldError
from .schedule_values import (
    ACCEPTED_DAY_NAMES,
    DAY_NAMES,
    check_timezone,
    parse_day,
    parse_window,
)

_WORKDAYS = ["mon", "tue", "wed", "thu", "fri"]
_UNIT = r"\d+\s*[A-Za-zÄÖÜäöü]+"
_DURATION_PATTERN = rf"^\s*(0|{_UNIT}([\s,]*{_UNIT})*|\d+\s*business\s+days?)\s*$"
_WINDOW_PATTERN = r"^\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*$"


def _canonical_day(name: str) -> str:
    return DAY_NAMES[parse_day(name)]


_DayName = Annotated[str, AfterValidator(_canonical_day)]


def _one_line(subject: str | None) -> str | None:
    if subject is None:
        return None
    if "\n" in subject.strip():
        raise FieldError(_("a subject must be one line"), _("write the subject on a single line"))
    if not subject.strip():
        raise FieldError(_("the subject is empty"), _("write a subject, or remove the key"))
    return subject.strip()


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


class ScheduleDoc(_Doc):
    """When mail may leave. Times are the prospect's own timezone when known."""

    timezone: str = "UTC"
    """IANA timezone for prospects without one, e.g. Europe/Berlin."""
    days: list[_DayName] = Field(default_factory=lambda: list(_WORKDAYS),
                            json_schema_extra={"items": {"enum": list(ACCEPTED_DAY_NAMES)}})
    """Weekdays on which mail may leave: mon … sun (German mo … so works too)."""
    hours: str = Field("09:00-17:00", json_schema_extra={"pattern": _WINDOW_PATTERN})
    """Sending window "HH:MM-HH:MM"; "00:00-24:00" = any time."""
    lunch: str | None = Field(None, json_schema_extra={"pattern": _WINDOW_PATTERN})
    """Optional pause inside the window, e.g. "12:00-13:00"."""

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("days")
    @classmethod
    def _some_days(cls, days: list[str]) -> list[str]:
        if not days:
            raise FieldError(_("no sending days"), _("list at least one, e.g. [mon, tue, wed]"))
        return sorted(set(days), key=DAY_NAMES.index)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        parse_window(value)
        return value

    @field_validator("lunch")
    @classmethod
    def _lunch_inside_hours(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        lunch_start, lunch_end = parse_window(value)
        if "hours" in info.data:
            start, end = parse_window(info.data["hours"])
            if not start <= lunch_start < lunch_end <= end:
                raise FieldError(
                    _("lunch {lunch} is not inside hours {hours}").format(
                        lunch=value, hours=info.data["hours"]
                    ),
                    _("move the lunch pause inside the sending window or drop it"),
                )
        return value


class PaceDoc(_Doc):
    """How fast one mailbox sends."""

    daily_cap: int = Field(40, ge=1)
    """Most messages per mailbox per day (first emails and follow-ups together)."""
    gap: str | int = Field("90s-6m", json_schema_extra={"examples": ["90s-6m", "2m"]})
    """Random pause between two sends from one mailbox: "90s-6m", or one fixed value "2m"."""
    per_domain_hourly: int | None = Field(None, ge=1)
    """Optional: at most this many sends per hour from one mailbox to one recipient domain."""

    @field_validator("gap", mode="before")
    @classmethod
    def _gap(cls, value: Any) -> Any:
        parse_gap(value)
        return value


class StopDoc(_Doc):
    """What halts a prospect's remaining follow-ups."""

    on_reply: bool = True
    """Stop when the prospect replies."""
    on_company_reply: bool = True
    """Stop when anyone at the prospect's (non-freemail) domain replies."""
    on_auto_reply: bool | Literal["pause"] = False
    """Out-of-office replies: false = ignore, true = stop, pause = resume after the return date."""

    @field_validator("on_auto_reply", mode="before")
    @classmethod
    def _auto_reply(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in ("pause", "paused"):
            return "pause"
        if isinstance(value, bool):
            return value
        raise FieldError(
            _("{value} is not allowed here").format(value=repr(value)),
            _("write false, true or pause"),
        )

    not_now: Literal["stop", "resume"] = "stop"
    """A reply saying "not now" ("melden Sie sich im März wieder"): stop = end the
    follow-ups like any reply; resume = pause until the day it names (or not_now_default),
    then continue the sequence."""
    not_now_default: str = Field("90d", json_schema_extra={"pattern": _DURATION_PATTERN})
    """With not_now: resume, how long to pause when the reply names no day: 90d, 12w …"""
    referral: Literal["ignore", "propose"] = "ignore"
    """A reply naming the person responsible (with their address): ignore, or propose =
    create that prospect (tagged, linked to the thread) and enroll them once the rep
    confirms in the inbox."""

    @field_validator("not_now", mode="before")
    @classmethod
    def _not_now(cls, value: Any) -> Any:
        return _choice(value, ("stop", "resume"))

    @field_validator("referral", mode="before")
    @classmethod
    def _referral(cls, value: Any) -> Any:
        return _choice(value, ("ignore", "propose"))

    @field_validator("not_now_default", mode="before")
    @classmethod
    def _not_now_default(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise FieldError(
                _("{value} is not a duration").format(value=repr(value)), duration_forms()
            )
        if parse_wait(value).business_days or parse_wait(value).is_zero:
            raise FieldError(
                _("{value} is not a plain duration above zero").format(value=repr(value)),
                _('write e.g. "90d"'),
            )
        return str(value)


def _choice(value: Any, allowed: tuple[str, ...]) -> str:
    """One of ``allowed`` (case and spaces forgiven), else a FieldError naming them."""
    if isinstance(value, str) and value.strip().lower() in allowed:
        return value.strip().lower()
    raise FieldError(
        _("{value} is not allowed here").format(value=repr(value)),
        _("write {choices}").format(choices=_(" or ").join(allowed)),
    )


class VariantDoc(_Doc):
    """One A/B version of a step."""

    subject: str | None = None
    """Subject template (required for the first step and for new_thread steps)."""
    body: str
    """Plain-text body template: Jinja2 {{ fields }} and {Hi|Hello} spintax."""
    html: str | None = None
    """Optional HTML alternative body template."""

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str | None) -> str | None:
        return _one_line(value)


_WHEN_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"enum": ["no_reply", "auto_reply"]},
        {"type": "object", "properties": {"intent": {"enum": ["not_now"]}},
         "required": ["intent"], "additionalProperties": False},
        {"type": "object", "properties": {"task": {"enum": ["reached", "no_answer", "skipped"]}},
         "required": ["task"], "additionalProperties": False},
    ],
    "examples": ["no_reply", {"task": "no_answer"}, {"intent": "not_now"}],
}
_WHEN_FORMS = N_("write no_reply, auto_reply, {intent: not_now} or "
                 "{task: reached | no_answer | skipped}")


def parse_when(value: Any) -> dict[str, str] | str | None:
    """A ``when:`` value in its canonical form (``"no_reply"``, ``{"task": "reached"}``),
    else a FieldError naming the forms."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in ("no_reply", "auto_reply"):
        return value.strip().lower()
    if isinstance(value, dict) and len(value) == 1:
        [(key, choice)] = value.items()
        allowed = {"intent": ("not_now",), "task": ("reached", "no_answer", "skipped")}
        if key in allowed:
            return {key: _choice(choice, allowed[key])}
    raise FieldError(_("{value} is not a condition").format(value=repr(value)), _(_WHEN_FORMS))


class StepDoc(_Doc):
    """The first email, a follow-up, or a task (call, LinkedIn, custom) the rep does."""

    wait: str | int | None = Field(None, json_schema_extra={"pattern": _DURATION_PATTERN})
    """Delay after the previous step: 45s, 10m, 4h, 2d, 1w, "2 days", "3 business days"."""
    subject: str | None = None
    """Subject template; leave it out on follow-ups to reply in the same thread ("Re: …")."""
    body: str | None = None
    """Plain-text body template (or use variants)."""
    html: str | None = None
    """Optional HTML alternative body template."""
    new_thread: bool = False
    """Start a new thread instead of replying (needs a fresh subject)."""
    variants: list[VariantDoc] | None = Field(None, min_length=1)
    """A/B versions instead of subject/body: each prospect gets one, always the same one."""
    task: Literal["call", "linkedin", "custom"] | None = None
    """A task for the rep instead of an email: call, linkedin (visit or message) or custom.
    It shows in `outreach tasks` and the TUI when due; no email is sent."""
    note: str | None = None
    """A task's note, with merge fields like a body: "Anrufen: {{ phone | default('keine
    Nummer') }}"."""
    due_within: str | int | None = Field(None, json_schema_extra={"pattern": _DURATION_PATTERN})
    """How long a due task waits for the rep (default: 2 business days); not done by
    then, it is skipped (an event) and the sequence goes on."""
    on_reply: Literal["cancel", "continue"] | None = None
    """A task's fate when the prospect replies: cancel (default) or continue (e.g. call
    back the interested)."""
    when: str | dict[str, str] | None = Field(None, json_schema_extra=_WHEN_SCHEMA)
    """Take this step only if: no_reply (the default for emails: no reply yet),
    auto_reply (an out-of-office since the previous step), {intent: not_now} (resumed
    after a "not now" reply), {task: reached | no_answer | skipped} (how the last task
    ended). Checked when the step falls due; a step whose condition fails is skipped."""

    @field_validator("task", mode="before")
    @classmethod
    def _task(cls, value: Any) -> Any:
        return None if value is None else _choice(value, ("call", "linkedin", "custom"))

    @field_validator("on_reply", mode="before")
    @classmethod
    def _on_reply(cls, value: Any) -> Any:
        return None if value is None else _choice(value, ("cancel", "continue"))

    @field_validator("when", mode="before")
    @classmethod
    def _when(cls, value: Any) -> Any:
        return parse_when(value)

    @field_validator("due_within", mode="before")
    @classmethod
    def _due_within(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or parse_wait(value).is_zero:
            raise FieldError(_("{value} is not a duration above zero").format(value=repr(value)),
                             _('write e.g. "2 business days" or "1d"'))
        return value

    @field_validator("note")
    @classmethod
    def _note(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise FieldError(_("the note is empty"), _("say what to do, or remove the key"))
        return value

    @field_validator("wait", mode="before")
    @classmethod
    def _wait(cls, value: Any) -> Any:
        parse_wait(value)
        return value

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str | None) -> str | None:
        return _one_line(value)

    @model_validator(mode="after")
    def _body_or_variants(self) -> StepDoc:
        if self.task is not None:
            return self._task_fields()
        for key in ("note", "due_within", "on_reply"):
            if getattr(self, key) is not None:
                raise FieldError(_("{key} belongs to a task step").format(key=key),
                                 _("add task: call | linkedin | custom, or remove {key}")
                                 .format(key=key))
        if self.variants is not None and self.body is not None:
            raise FieldError(_("a step has either body or variants, not both"),
                             _("move body into the variants, or remove variants"))
        if self.variants is not None and (self.subject is not None or self.html is not None):
            raise FieldError(_("with variants, subject and html go inside each variant"),
                             _("move them into every variant"))
        if self.variants is None and self.body is None:
            raise FieldError(_("step has no body"), _("add body: | … (or variants: [...]), "
                                                      "or make it a task: task: call"))
        return self

    def _task_fields(self) -> StepDoc:
        email = [key for key in ("subject", "body", "html", "variants")
                 if getattr(self, key) is not None]
        if self.new_thread:
            email.append("new_thread")
        if email:
            raise FieldError(
                _("a task step sends no email, so it has no {fields}").format(
                    fields=", ".join(email)),
                _("write what to do in note:, or remove task: to send an email"))
        if self.note is None:
            raise FieldError(_("a task step needs a note"),
                             _('say what to do, e.g. note: "Anrufen: {{ phone | default(\'keine '
                               'Nummer\') }}"'))
        return self


class SequenceDoc(_Doc):
    """An outreach sequence: the first email and its follow-ups, with when and how fast
    they may leave and what stops them."""

    name: str = Field(min_length=1)
    """Human name of the sequence."""
    schedule: ScheduleDoc = Field(default_factory=ScheduleDoc)
    """When mail may leave (defaults: Mon–Fri 09:00–17:00 UTC)."""
    pace: PaceDoc = Field(default_factory=PaceDoc)
    """How fast one mailbox sends (defaults: 40 a day, 90s–6m apart)."""
    stop: StopDoc = Field(default_factory=StopDoc)
    """What halts follow-ups (default: any reply from the prospect or their company)."""
    unsubscribe_header: bool = False
    """Add a List-Unsubscribe header (a mailto back to you). Off by default: it marks
    one-to-one mail as list mail, and out-of-office responders that follow RFC 3834
    (Dovecot's Sieve vacation among them) then stay silent, so no out-of-office pause
    happens. Gmail and Yahoo require it only of bulk senders (5,000+ a day). When off, offer
    an opt-out sentence in the first step ("reply 'no thanks' and I won't write again")."""
    steps: list[StepDoc] = Field(min_length=1)
    """The first email, then follow-ups and tasks in order."""


def sequence_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the sequence YAML format."""
    schema = SequenceDoc.model_json_schema()
    schema["title"] = "outreach sequence"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def schema_text() -> str:
    """The exact text ``write_schema`` writes (stable, so a test can compare files)."""
    return json.dumps(sequence_json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: Path | str) -> None:
    """Write the JSON Schema to ``path`` (``sequences/schema.json`` in the repo)."""
    Path(path).write_text(schema_text(), encoding="utf-8")
