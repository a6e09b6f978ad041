"""Mailbox secrets: the OS keyring or a ``password_command`` — never the DB, YAML or logs.

The keyring entry is service ``outreach``, user = the mailbox address. A password command
(like isync's ``PassCmd``) is run through the shell at use time and its first output line is
the secret; that suits headless servers (``pass show …``, a vault CLI).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

import keyring
import keyring.errors
from keyring.backends import fail

from outreach.errors import SecretError

SERVICE = "outreach"
COMMAND_TIMEOUT_S = 30

NO_BACKEND_HINT = (
    "no usable keyring backend was found on this machine. Either install and select one, "
    "e.g. `pip install keyrings.alt` and `export PYTHON_KEYRING_BACKEND="
    "keyrings.alt.file.EncryptedKeyring`, or store no secret at all and use "
    "`--password-command 'pass show mail/you'` so outreach asks a command at use time"
)


@dataclass(frozen=True)
class SecretRef:
    """Where a mailbox's secret comes from (never the secret itself)."""

    address: str
    source: str  # keyring | command | oauth2_command
    command: str | None = None


def store_password(address: str, password: str) -> None:
    """Put ``password`` into the OS keyring for ``address``."""
    _require_backend()
    try:
        keyring.set_password(SERVICE, address, password)
    except keyring.errors.KeyringError as exc:
        raise SecretError(
            f"could not store the password for {address} in the keyring ({type(exc).__name__})",
            hint=NO_BACKEND_HINT,
        ) from None


def delete_password(address: str) -> None:
    """Forget the keyring entry of ``address``; missing entries are fine."""
    try:
        keyring.delete_password(SERVICE, address)
    except keyring.errors.KeyringError:
        pass


def fetch_secret(ref: SecretRef) -> str:
    """The password (or OAuth2 access token) for a mailbox, fetched now."""
    if ref.source in ("command", "oauth2_command"):
        assert ref.command, "a command source always has its command"
        what = "token command" if ref.source == "oauth2_command" else "password command"
        return run_secret_command(ref.command, ref.address, what)
    _require_backend()
    try:
        secret = keyring.get_password(SERVICE, ref.address)
    except keyring.errors.KeyringError as exc:
        raise SecretError(
            f"could not read the password for {ref.address} from the keyring "
            f"({type(exc).__name__})",
            hint=NO_BACKEND_HINT,
        ) from None
    if secret is None:
        raise SecretError(
            f"no password for {ref.address} in the keyring",
            hint=f"run `outreach mailbox add {ref.address} … --password-stdin` again",
        )
    return secret


def run_secret_command(command: str, address: str, what: str = "password command") -> str:
    """Run a password/token command; its first line of output is the secret."""
    try:
        proc = subprocess.run(
            command,
            shell=True,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SecretError(
            f"the {what} for {address} did not finish in {COMMAND_TIMEOUT_S} s"
        ) from None
    if proc.returncode != 0:
        # stderr of the command may be shown (it is the tool's complaint), stdout never is.
        raise SecretError(
            f"the {what} for {address} exited with {proc.returncode}: "
            f"{proc.stderr.strip()[:300] or 'no message'}"
        )
    secret = proc.stdout.splitlines()[0] if proc.stdout.strip() else ""
    if not secret:
        raise SecretError(f"the {what} for {address} printed nothing")
    return secret


def _require_backend() -> None:
    if isinstance(keyring.get_keyring(), fail.Keyring):
        raise SecretError("cannot use the OS keyring", hint=NO_BACKEND_HINT)
