"""Who runs an engine on this database, and which mailboxes it may send for.

- Every engine registers an ``EngineInstance`` row and beats its heartbeat.
- On SQLite one engine owns the whole database, whatever path reaches the file: OS file
  locks make a second ``run``/``daemon``/TUI engine refuse to start, naming the holder.
  One lies next to the database's real path (symlinks resolved); another is named by the
  file's device and inode in the user's runtime directory, so a hard link or a bind
  mount (another real path to the same file) finds it too.
- On PostgreSQL several daemons share the mailboxes through ``MailboxLease`` rows: each
  renews its leases with its heartbeat and claims free or expired ones up to a fair share
  (``SELECT … FOR UPDATE SKIP LOCKED``), so a dead daemon's mailboxes are taken over once
  its leases expire. The engine's in-doubt rule keeps a takeover from sending twice.
"""

from __future__ import annotations

import fcntl
import math
import os
import socket
import stat as stat_module
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, func, or_, select, update
from sqlmodel import Session, col

# Re-exported: who runs is read in outreach.engine.running (without SQLAlchemy).
from outreach.engine.running import HEARTBEAT as HEARTBEAT
from outreach.engine.running import LEASE_TTL as LEASE_TTL
from outreach.engine.running import EngineInfo as EngineInfo
from outreach.engine.running import running_engines as running_engines
from outreach.errors import OutreachError
from outreach.i18n import _
from outreach.store.models import EngineInstance, Mailbox, MailboxLease, utcnow
from outreach.store.repository import lease_of


class EngineBusy(OutreachError):
    """Another engine already sends for this database."""


class Presence:
    """This process's engine row, its heartbeat, and (on SQLite) the database lock."""

    def __init__(self, db: Engine, kind: str, lease_ttl: timedelta = LEASE_TTL) -> None:
        self.db, self.kind, self.lease_ttl = db, kind, lease_ttl
        self.id = uuid.uuid4().hex
        self.shared = db.dialect.name != "sqlite"
        self._lock_fds: list[int] = []

    def start(self) -> None:
        """Register this engine (on SQLite: once it holds the database's locks).

        Raises:
            EngineBusy: another engine sends from this (SQLite) database.
        """
        if not self.shared:
            self._lock_database()
        row = EngineInstance(id=self.id, host=socket.gethostname(), pid=os.getpid(), kind=self.kind)
        try:
            with Session(self.db) as session:
                session.add(row)
                session.commit()
        except BaseException:
            self._unlock()
            raise

    def beat(self) -> None:
        with self.db.begin() as conn:
            conn.execute(
                update(EngineInstance)
                .where(col(EngineInstance.id) == self.id)
                .values(heartbeat_at=utcnow())
            )

    def stop(self) -> None:
        """Say goodbye and release the leases and locks (the locks even if the goodbye
        cannot be written)."""
        try:
            self._say_goodbye()
        finally:
            self._unlock()

    def _say_goodbye(self) -> None:
        with self.db.begin() as conn:
            conn.execute(
                update(EngineInstance)
                .where(col(EngineInstance.id) == self.id)
                .values(stopped_at=utcnow())
            )
            conn.execute(
                update(MailboxLease)
                .where(col(MailboxLease.holder) == self.id)
                .values(holder=None, expires_at=utcnow())
            )

    def _lock_database(self) -> None:
        for path in _lock_paths(self.db):
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                self._unlock()
                raise EngineBusy(
                    _("an engine is already running on this database: {holder}").format(
                        holder=_holder_text(self.db)),
                    hint=_("stop it first, or watch it with `outreach status`"),
                ) from None
            self._lock_fds.append(fd)

    def _unlock(self) -> None:
        for fd in self._lock_fds:
            os.close(fd)  # closing the descriptor releases its lock
        self._lock_fds = []


def _lock_paths(db: Engine) -> list[Path]:
    """The lock files of the database: by real path, and by device and inode."""
    database = db.url.database or ""
    if database in ("", ":memory:"):
        return [Path(os.environ.get("TMPDIR", "/tmp")) / f"outreach-{os.getpid()}.lock"]
    real = os.path.realpath(database)
    stat = os.stat(real)
    by_inode = _runtime_dir() / f"engine-{stat.st_dev}-{stat.st_ino}.lock"
    return [Path(real + ".engine.lock"), by_inode]


LOCK_DIR = Path("/tmp")  # noqa: S108 - fixed: every process of the user must agree on it
"""Where the inode-keyed locks live (not ``$TMPDIR``, which differs between processes)."""


def _runtime_dir() -> Path:
    """This user's private directory for inode-keyed locks (the same for every process of
    the user on this host, whatever path they opened the database by)."""
    path = LOCK_DIR / f"outreach-locks-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    info = path.lstat()
    if not stat_module.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise OutreachError(
            _("{path} is not a private directory of yours: cannot lock the database").format(
                path=path),
            hint=_("remove it, or set XDG_RUNTIME_DIR to a directory only you can write"),
        )
    return path


def _holder_text(db: Engine) -> str:
    engines = [e for e in running_engines(db) if e.alive]
    if not engines:
        return _("another process holds the lock (it has not registered yet)")
    e = engines[0]
    return _("{kind} on {host}, pid {pid}, since {started} UTC").format(
        kind=e.kind, host=e.host, pid=e.pid, started=f"{e.started_at:%Y-%m-%d %H:%M}")


class Leases:
    """Mailbox leases of one engine. On SQLite (one engine per database) it holds all."""

    def __init__(self, db: Engine, presence: Presence) -> None:
        self.db, self.presence = db, presence
        self.held: set[int] = set()

    def sync(self) -> set[int]:
        """Renew, claim up to a fair share, release the excess; returns the mailboxes held."""
        if not self.presence.shared:
            with Session(self.db) as session:
                self.held = set(session.execute(select(col(Mailbox.id))).scalars().all())
            return self.held
        now = utcnow()
        with self.db.begin() as conn:
            self._ensure_rows(conn)
            mine = self.presence.id
            expires = now + self.presence.lease_ttl
            renewed = (
                conn.execute(
                    update(MailboxLease)
                    .where(col(MailboxLease.holder) == mine)
                    .values(expires_at=expires)
                    .returning(col(MailboxLease.mailbox_id))
                )
                .scalars()
                .all()
            )
            held = set(renewed)
            share = self._fair_share(conn, now)
            if len(held) < share:
                held |= self._claim(conn, share - len(held), now, expires)
            elif len(held) > share:
                held -= self._release(conn, sorted(held)[share:])
        self.held = held
        return held

    def _ensure_rows(self, conn: Connection) -> None:
        from sqlalchemy.dialects import postgresql, sqlite  # only the engine needs them

        dialect = postgresql if self.presence.shared else sqlite
        statement = (
            dialect.insert(MailboxLease)
            .from_select(["mailbox_id"], select(col(Mailbox.id)))
            .on_conflict_do_nothing()
        )
        conn.execute(statement)

    def _fair_share(self, conn: Connection, now: datetime) -> int:
        alive = conn.execute(
            select(func.count())
            .select_from(EngineInstance)
            .where(
                col(EngineInstance.stopped_at).is_(None),
                col(EngineInstance.heartbeat_at) > now - self.presence.lease_ttl,
            )
        ).scalar_one()
        total = conn.execute(select(func.count()).select_from(Mailbox)).scalar_one()
        return math.ceil(int(total) / max(int(alive), 1))

    def _claim(self, conn: Connection, count: int, now: datetime, expires: datetime) -> set[int]:
        free = (
            conn.execute(
                select(col(MailboxLease.mailbox_id))
                .where(or_(col(MailboxLease.holder).is_(None), col(MailboxLease.expires_at) < now))
                .order_by(col(MailboxLease.mailbox_id))
                .limit(count)
                .with_for_update(skip_locked=True)
            )
            .scalars()
            .all()
        )
        if free:
            conn.execute(
                update(MailboxLease)
                .where(col(MailboxLease.mailbox_id).in_(free))
                .values(holder=self.presence.id, expires_at=expires, acquired_at=now)
            )
        return set(free)

    def _release(self, conn: Connection, mailbox_ids: list[int]) -> set[int]:
        conn.execute(
            update(MailboxLease)
            .where(
                col(MailboxLease.mailbox_id).in_(mailbox_ids),
                col(MailboxLease.holder) == self.presence.id,
            )
            .values(holder=None, expires_at=utcnow())
        )
        return set(mailbox_ids)

    def still_holds(self, conn: Connection, mailbox_id: int) -> bool:
        """Right before a send: is our lease on the mailbox still valid for a while?"""
        if not self.presence.shared:
            return True
        lease = lease_of(conn, mailbox_id)
        margin = self.presence.lease_ttl / 3
        return (
            lease is not None and lease[0] == self.presence.id and lease[1] > utcnow() + margin
        )
