"""What a sign-in leaves behind, in the OS keyring only (service ``outreach-oauth2``).

The entry of a mailbox (user = its address) is a small JSON document: the refresh token
(and when it expires, if the provider says) or msal's serialized token cache. A Google
desktop client's "client secret" (which Google itself says is not secret, but asks for)
is kept next to it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import keyring
import keyring.errors
from keyring.backends import fail

from outreach.errors import SecretError, SignInRequired
from outreach.i18n import N_, _

SERVICE = "outreach-oauth2"
NO_KEYRING = N_(
    "OAuth sign-in keeps its refresh token in the OS keyring: install and select a backend, "
    "e.g. `pip install keyrings.alt` and `export PYTHON_KEYRING_BACKEND="
    "keyrings.alt.file.EncryptedKeyring`"
)


@dataclass(frozen=True)
class Grant:
    """A stored sign-in: exactly one of ``refresh_token`` / ``msal_cache``."""

    refresh_token: str | None = None
    msal_cache: str | None = None
    refresh_expires_at: float | None = None  # epoch seconds, when the provider said so
    signed_in_at: float | None = None

    def __repr__(self) -> str:  # never the token
        return f"Grant(msal={self.msal_cache is not None}, expires={self.refresh_expires_at})"

    def dumps(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)


def save_grant(address: str, grant: Grant) -> None:
    _set(address, grant.dumps())


def load_raw(address: str) -> str | None:
    """The stored entry as text (compared, never shown), None when there is none."""
    _require_backend()
    try:
        return keyring.get_password(SERVICE, address)
    except keyring.errors.KeyringError as exc:
        raise SecretError(_("could not read the sign-in of {email} from the keyring ({error})")
                          .format(email=address, error=type(exc).__name__),
                          hint=_(NO_KEYRING)) from None


def load_grant(address: str) -> Grant:
    raw = load_raw(address)
    if raw is None:
        raise SignInRequired(address, "not signed in yet")
    try:
        return Grant(**json.loads(raw))
    except (ValueError, TypeError):
        raise SignInRequired(address, "the stored sign-in is unreadable") from None


def stored_grant(address: str) -> Grant | None:
    """The stored sign-in, or None (for ``doctor``): never raises for a missing one."""
    try:
        return load_grant(address)
    except (SignInRequired, SecretError):
        return None


def forget_grant(address: str) -> None:
    for user in (address, _secret_user(address)):
        try:
            keyring.delete_password(SERVICE, user)
        except keyring.errors.KeyringError:
            pass


def save_client_secret(address: str, secret: str) -> None:
    _set(_secret_user(address), secret)


def client_secret(address: str) -> str | None:
    _require_backend()
    try:
        return keyring.get_password(SERVICE, _secret_user(address))
    except keyring.errors.KeyringError:
        return None


def expires_at(seconds: object) -> float | None:
    """An absolute time from a relative ``expires_in``-like value, None if absent."""
    if isinstance(seconds, int | float) and seconds > 0:
        return time.time() + float(seconds)
    return None


def _secret_user(address: str) -> str:
    return f"{address}#client-secret"


def _set(user: str, value: str) -> None:
    _require_backend()
    try:
        keyring.set_password(SERVICE, user, value)
    except keyring.errors.KeyringError as exc:
        raise SecretError(_("could not store the sign-in in the keyring ({error})")
                          .format(error=type(exc).__name__), hint=_(NO_KEYRING)) from None


def _require_backend() -> None:
    if isinstance(keyring.get_keyring(), fail.Keyring):
        raise SecretError(_("cannot use the OS keyring"), hint=_(NO_KEYRING))
