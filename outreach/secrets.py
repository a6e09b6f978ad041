"""Mailbox secrets: the OS keyring or a ``password_command`` — never the DB, YAML or logs.

The keyring entry is service ``outreach``, user = the mailbox address. A password command
(like isync's ``PassCmd``) is run through the shell at use time and its first output line is
the secret; that suits headless servers (``pass show …``, a vault CLI).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from dataclasses import dataclass

import keyring
import keyring.errors
from keyring.backends import fail

from outreach.errors import SecretError
from outreach.i18n import N_, _
from outreach.oauth import OAuthClient

SERVICE = "outreach"
COMMAND_TIMEOUT_S = 30

NO_BACKEND_HINT = N_(
    "no usable keyring backend was found on this machine. Either install and select one, "
    "e.g. `pip install keyrings.alt` and `export PYTHON_KEYRING_BACKEND="
    "keyrings.alt.file.EncryptedKeyring`, or store no secret at all and use "
    "`--password-command 'pass show mail/you'` so outreach asks a command at use time"
)
#: What runs a secret command (``what`` below), translated where it is shown.
COMMAND_KINDS = (N_("password command"), N_("token command"))


@dataclass(frozen=True)
class SecretRef:
    """Where a mailbox's secret comes from (never the secret itself)."""

    address: str
    source: str  # keyring | command | oauth2_command | oauth2 (signed in: outreach.oauth)
    command: str | None = None
    oauth: OAuthClient | None = None


def store_password(address: str, password: str) -> None:
    """Put ``password`` into the OS keyring for ``address``."""
    _require_backend()
    try:
        keyring.set_password(SERVICE, address, password)
    except keyring.errors.KeyringError as exc:
        raise SecretError(
            _("could not store the password for {email} in the keyring ({error})").format(
                email=address, error=type(exc).__name__),
            hint=_(NO_BACKEND_HINT),
        ) from None


def delete_password(address: str) -> None:
    """Forget the keyring entry of ``address``; missing entries are fine."""
    try:
        keyring.delete_password(SERVICE, address)
    except keyring.errors.KeyringError:
        pass


def fetch_secret(ref: SecretRef) -> str:
    """The password (or OAuth2 access token) for a mailbox, fetched now."""
    if ref.source == "oauth2":
        assert ref.oauth, "a signed-in mailbox always has its OAuth client"
        from outreach.oauth import tokens  # msal and Authlib load only for OAuth mailboxes

        return tokens.access_token(ref.oauth)
    if ref.source in ("command", "oauth2_command"):
        assert ref.command, "a command source always has its command"
        what = "token command" if ref.source == "oauth2_command" else "password command"
        return run_secret_command(ref.command, ref.address, what)
    _require_backend()
    try:
        secret = keyring.get_password(SERVICE, ref.address)
    except keyring.errors.KeyringError as exc:
        raise SecretError(
            _("could not read the password for {email} from the keyring ({error})").format(
                email=ref.address, error=type(exc).__name__),
            hint=_(NO_BACKEND_HINT),
        ) from None
    if secret is None:
        raise SecretError(
            _("no password for {email} in the keyring").format(email=ref.address),
            hint=_("store it with `outreach mailbox edit {email} --password-stdin`").format(
                email=ref.address),
        )
    return secret


def run_secret_command(command: str, address: str, what: str = "password command") -> str:
    """Run a password/token command; its first line of output is the secret.

    The command runs in its own process group: on a timeout (or an interrupt) the whole
    group is killed, so a hung ``pass``/vault CLI leaves no child behind.
    """
    proc = subprocess.Popen(
        command,
        shell=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=COMMAND_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        proc.communicate()
        raise _timed_out(what, address) from None
    except BaseException:
        _kill_group(proc.pid)
        proc.wait()
        raise
    return _secret_from(proc.returncode, out, err, what, address)


async def fetch_secret_async(ref: SecretRef) -> str:
    """:func:`fetch_secret` for the event loop: a command is awaited (cancelling the
    caller kills its process group at once), the keyring is asked in a thread."""
    if ref.source not in ("command", "oauth2_command"):
        return await asyncio.to_thread(fetch_secret, ref)
    assert ref.command, "a command source always has its command"
    what = "token command" if ref.source == "oauth2_command" else "password command"
    proc = await asyncio.create_subprocess_shell(
        ref.command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), COMMAND_TIMEOUT_S)
    except TimeoutError:
        _kill_group(proc.pid)
        await proc.wait()
        raise _timed_out(what, ref.address) from None
    except BaseException:  # cancelled (SIGTERM): the command must not outlive us
        _kill_group(proc.pid)
        await proc.wait()  # prompt after SIGKILL; reaps it and closes its pipes
        raise
    text = out.decode(errors="replace"), err.decode(errors="replace")
    return _secret_from(proc.returncode or 0, *text, what, ref.address)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _timed_out(what: str, address: str) -> SecretError:
    return SecretError(
        _("the {what} for {email} did not finish in {seconds} s (it was killed)").format(
            what=_(what), email=address, seconds=COMMAND_TIMEOUT_S),
        hint=_("run it by hand to see what it waits for (a passphrase prompt?)"),
    )


def _secret_from(code: int, out: str, err: str, what: str, address: str) -> str:
    if code != 0:
        # stderr of the command may be shown (it is the tool's complaint), stdout never is.
        raise SecretError(
            _("the {what} for {email} exited with {code}: {message}").format(
                what=_(what), email=address, code=code,
                message=err.strip()[:300] or _("no message"))
        )
    secret = out.splitlines()[0] if out.strip() else ""
    if not secret:
        raise SecretError(_("the {what} for {email} printed nothing").format(
            what=_(what), email=address))
    return secret


def _require_backend() -> None:
    if isinstance(keyring.get_keyring(), fail.Keyring):
        raise SecretError(_("cannot use the OS keyring"), hint=_(NO_BACKEND_HINT))
