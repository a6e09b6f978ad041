"""Tasks: today's and overdue task steps (calls, LinkedIn, custom), one key per outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from outreach import i18n
from outreach.i18n import N_, _
from outreach.lifecycle.tasks import settle_tasks
from outreach.sequences.check import task_label
from outreach.store import session_scope
from outreach.tui import actions
from outreach.tui.runner import commands_of
from outreach.tui.screens.base import DataScreen
from outreach.tui.widgets.fit import Col
from outreach.tui.widgets.fitted_table import FittedTable
from outreach.tui.widgets.keybar import KeyBar
from outreach.tui.widgets.timeline import entries
from outreach.views.tasks import TaskRow, task_rows
from outreach.views.timeline import Timeline, prospect_timeline


class TaskTable(FittedTable):
    """The open tasks, overdue first."""

    COLS = (
        Col(N_("due"), 12, 22, keep=9), Col(N_("task"), 8, 12, keep=8),
        Col(N_("prospect"), 14, 36, keep=9), Col(N_("phone"), 10, 20, keep=7),
        Col(N_("campaign"), 8, 24, keep=4),
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(list(self.COLS), id="task-table")


class TasksScreen(DataScreen):
    """Today's and overdue tasks: call, visit on LinkedIn, your own to-dos; record how each
    went and the sequence goes on."""

    ABOUT = N_("Today's and overdue tasks: record how each went, and the sequence goes on.")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "outcome('reached')", N_("Reached")),
        Binding("v", "outcome('no_answer')", N_("No answer")),
        Binding("k", "outcome('skipped')", N_("Skip")),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[TaskRow]

    @dataclass
    class Detail(Message):
        row: TaskRow
        timeline: Timeline

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[TaskRow] = []
        self.loads = 0
        """How many times the list was shown (tests wait on it)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="tasks-status")
        with Horizontal(id="tasks-panes"):
            yield TaskTable()
            with VerticalScroll(id="task-detail", classes="region"):
                yield Static(id="task-card")
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.title = _("Tasks")
        self.query_one("#task-detail").border_title = _("Task")

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="tasks")
    def _load(self) -> None:
        now = self.ctx.now()
        with session_scope(self.ctx.db) as session:  # what fell due opens first
            settle_tasks(session.connection(), now)
        rows = task_rows(self.ctx.db, now, which="due")
        rows.sort(key=lambda row: (not row.overdue, row.due_at))
        self.post_message(self.Loaded(rows))

    def on_tasks_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        overdue = sum(1 for row in self.rows if row.overdue)
        status = i18n.ngettext("{count} task due", "{count} tasks due", len(self.rows))
        text = status.format(count=i18n.number(len(self.rows)))
        if overdue:
            text += _(", {count} overdue").format(count=i18n.number(overdue))
        self.query_one("#tasks-status", Static).update(text if self.rows else _("No tasks due."))
        table = self.query_one(TaskTable)
        table.show_rows([(str(row.id), self._cells(row)) for row in self.rows])
        if self.rows:
            self._show_detail(self._current() or self.rows[0])
        else:
            self.query_one("#task-card", Static).update("")
        self.loads += 1

    def _cells(self, row: TaskRow) -> list[object]:
        due = i18n.day_time(row.due_at.astimezone(self.ctx.tz))
        who = f"{row.name} <{row.email}>" if row.name else row.email
        return [Text(due, style="bold red") if row.overdue else due, task_label(row.kind), who,
                row.phone or "", row.campaign]  # fmt: skip

    def _current(self) -> TaskRow | None:
        table = self.query_one(TaskTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = self._current()
        if row is not None:
            self._show_detail(row)

    @work(thread=True, exclusive=True, group="task-detail")
    def _show_detail(self, row: TaskRow) -> None:
        self.post_message(self.Detail(row, prospect_timeline(self.ctx.db, row.prospect_id)))

    def on_tasks_screen_detail(self, message: Detail) -> None:
        row = message.row
        head = Text()
        head.append(_("{task}, step {step} · {campaign}").format(
            task=task_label(row.kind), step=row.step, campaign=row.campaign), style="bold")
        head.append("\n" + (f"{row.name} <{row.email}>" if row.name else row.email))
        if row.company:
            head.append(f" · {row.company}")
        head.append("\n" + _("phone: {phone}").format(phone=row.phone or _("none")),
                    style="bold" if row.phone else "dim")  # fmt: skip
        head.append("\n\n" + row.note + "\n")
        keys = _("m: reached · v: no answer · k: skip")
        parts: list[RenderableType] = [head, Text(keys, style="dim"), Text(""),
                                       Text(_("Timeline"), style="bold")]  # fmt: skip
        parts.append(entries(message.timeline, self.ctx.tz, self.ctx.now()))
        self.query_one("#task-card", Static).update(Group(*parts))

    def action_outcome(self, outcome: str) -> None:
        row = self._current()
        if row is None:
            self.notify(_("No task selected."), severity="warning")
            return
        db, now = self.ctx.db, self.ctx.now()
        commands_of(self.app).run(lambda: actions.complete_task(db, row.id, outcome, now),
                                  what=_("Task"))  # fmt: skip
