"""``config_dir()/webhooks.yaml``: which URLs get which events, and where the signing
secret comes from (a password command or the OS keyring — never the file itself).

    webhooks:
      - url: https://crm.example.com/hooks/outreach
        events: [reply, bounce, unsubscribe]
        secret_command: pass show outreach/crm-webhook
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import keyring.errors
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from outreach.errors import ConfigError, SecretError
from outreach.i18n import N_, _
from outreach.mailbox.account import is_loopback
from outreach.paths import config_dir
from outreach.secrets import run_secret_command

FILE_NAME = "webhooks.yaml"
KEYRING_SERVICE = "outreach-webhook"
EVENTS = frozenset({
    "reply", "auto_reply", "bounce", "soft_bounce", "unsubscribe", "sent", "failed",
    "replied", "stopped", "bounced", "unsubscribed", "paused", "resumed", "invalid",
    "campaign_started", "campaign_paused", "mailbox_paused", "referral_proposed",
    "referral_enrolled", "intent_corrected", "task_due", "task_done", "task_expired",
    "task_cancelled", "step_skipped", "*",
})
"""Event kinds a webhook may ask for (``*`` = every event)."""


class WebhookConfig(BaseModel):
    """One endpoint that receives a signed POST for each chosen event."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description=N_("Where to POST: https, or http on loopback only."))
    events: list[str] = Field(default_factory=lambda: ["reply", "bounce", "unsubscribe"],
                              description=N_("Event kinds to send (see the docs; * = all)."))
    secret_command: str | None = Field(
        default=None, description=N_("A command printing the HMAC signing secret (first line)."))
    secret_keyring: str | None = Field(
        default=None, description=N_("A keyring entry (service 'outreach-webhook', this user "
                                     "name) holding the HMAC signing secret."))
    timeout: float = Field(default=10.0, gt=0, description=N_("Seconds to wait for an answer."))

    @field_validator("url")
    @classmethod
    def _secure_url(cls, url: str) -> str:
        scheme, _unused, rest = url.partition("://")
        host = rest.split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
        if scheme == "https" or (scheme == "http" and is_loopback(host)):
            return url
        raise ValueError(_("{url} must be https:// (plain http only to loopback)").format(
            url=repr(url)))

    @field_validator("events")
    @classmethod
    def _known_events(cls, events: list[str]) -> list[str]:
        unknown = sorted(set(events) - EVENTS)
        if unknown:
            raise ValueError(_("unknown event(s) {events}; choose from {choices}").format(
                events=unknown, choices=sorted(EVENTS)))
        return events

    @model_validator(mode="after")
    def _one_secret(self) -> WebhookConfig:
        if (self.secret_command is None) == (self.secret_keyring is None):
            raise ValueError(_("give exactly one of secret_command and secret_keyring"))
        return self

    def wants(self, kind: str) -> bool:
        return "*" in self.events or kind in self.events


class WebhooksFile(BaseModel):
    """The whole ``webhooks.yaml``."""

    model_config = ConfigDict(extra="forbid")

    webhooks: list[WebhookConfig] = Field(default_factory=list,
                                          description=N_("The endpoints, each with its events."))


def webhooks_path() -> Path:
    return config_dir() / FILE_NAME


def load_webhooks(path: Path | None = None) -> list[WebhookConfig]:
    """The configured webhooks; [] when the file does not exist."""
    path = path or webhooks_path()
    if not path.is_file():
        return []
    try:
        data: Any = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
        return WebhooksFile.model_validate(data).webhooks
    except (YAMLError, ValidationError) as exc:
        raise ConfigError(_("{file} is not a valid webhooks file: {error}").format(
                              file=path, error=exc),
                          hint=_("see the example at the top of {file}").format(
                              file="outreach/deliverability/webhook_config.py")) from None


def webhook_secret(hook: WebhookConfig) -> str:
    """The signing secret, fetched now."""
    if hook.secret_command is not None:
        return run_secret_command(hook.secret_command, hook.url)
    try:
        secret = keyring.get_password(KEYRING_SERVICE, hook.secret_keyring or "")
    except keyring.errors.KeyringError as exc:
        raise SecretError(_("could not read the webhook secret {name} from the keyring "
                            "({error})").format(name=repr(hook.secret_keyring),
                                                error=type(exc).__name__)) from None
    if not secret:
        raise SecretError(_("no webhook secret {name} in the keyring").format(
                              name=repr(hook.secret_keyring)),
                          hint=_("store it: {command}").format(
                              command=f"keyring set {KEYRING_SERVICE} {hook.secret_keyring}"))
    return secret
