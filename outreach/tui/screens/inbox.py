"""Inbox: what came back, classified, as a triage queue (replies still to answer first);
what each reply means, its own words apart from the quote; re-classify by hand, correct
or accept a reply's intent (effects re-applied), snooze it, mark it handled, enroll the
referral it named, open the thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Header, Static, Tab, Tabs

from outreach.i18n import N_, _
from outreach.states import ReplyIntent
from outreach.tui import actions, inbox_actions
from outreach.tui import format as fmt
from outreach.tui.runner import commands_of
from outreach.tui.screens.base import DataScreen
from outreach.tui.screens.pickers import ChoiceScreen, ConfirmScreen
from outreach.tui.screens.timeline import TimelineScreen
from outreach.tui.widgets.inbox import detail, found_text, intent_text, interest_text, kind_text
from outreach.tui.widgets.keybar import KeyBar
from outreach.tui.widgets.paged_table import PagedTable
from outreach.views.common import Page
from outreach.views.inbox import FILTERS, KINDS, InboxFilter, InboxItem, as_filter, inbox_page

PAGE = 200
COLUMNS = (
    (N_("received"), 9, 16, 6), (N_("kind"), 12, 16, 8), (N_("intent"), 11, 20, 9),
    (N_("found"), 12, 26, 4), (N_("from"), 14, 36, 7), (N_("subject"), 22, 80, 10),
    (N_("interest"), 12, 16, 5),
)  # label, least and most width, importance (see widgets/fit.py)
FILTER_LABELS = {
    "to_answer": N_("To answer"),
    "attention": N_("To read"),
    "all": N_("All"),
    "reply": N_("Replies"),
    "auto_reply": N_("Auto-replies"),
    "bounce": N_("Bounces"),
    "unsubscribe": N_("Unsubscribes"),
    "other": N_("Other"),
}


class InboxScreen(DataScreen):
    """Newest first; the highlighted message is shown on the right."""

    ABOUT = N_("Newest first; the highlighted message is shown on the right.")
    BINDINGS = [
        Binding("k", "reclassify", N_("Re-classify")),
        Binding("i", "interest('interested')", N_("Interested")),
        Binding("x", "interest('not_interested')", N_("Not interested")),
        Binding("z", "interest('')", N_("Undecided")),
        Binding("f", "next_filter", N_("Filter")),
        Binding("y", "accept", N_("Accept intent")),
        Binding("c", "change_intent", N_("Change intent")),
        Binding("d", "snooze", N_("Defer (snooze)")),
        Binding("t", "enroll_referral", N_("Take the referral (enroll)")),
        Binding("h", "handled", N_("Handled")),
        Binding("o", "open_thread", N_("Open thread")),
    ]

    @dataclass
    class Loaded(Message):
        which: InboxFilter
        page: Page[InboxItem]

    def __init__(self) -> None:
        super().__init__()
        self.which: InboxFilter = "all"
        self.page_offset = 0
        self.items: dict[str, InboxItem] = {}
        self.wanted: str | None = None
        """A message to put the cursor on once loaded (chosen on the dashboard)."""
        self.loads = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Tabs(*(Tab(_(FILTER_LABELS[f]), id=f) for f in FILTERS), active="all", id="filters")
        yield Static(id="inbox-status")
        with Horizontal(id="inbox-panes"):
            yield PagedTable(id="inbox-table")
            with VerticalScroll(id="reading-pane", classes="region"):
                yield Static(id="message")
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one(PagedTable)
        for label, width, most, keep in COLUMNS:
            table.add_column(label, key=label, width=width, most=most, keep=keep)
        self.query_one("#reading-pane").border_title = _("Message")
        table.focus()

    def reload(self) -> None:
        self._load(self.which, self.page_offset)

    @work(thread=True, exclusive=True, group="inbox")
    def _load(self, which: InboxFilter, offset: int) -> None:
        today = self.ctx.now().astimezone(self.ctx.tz).date()
        page = inbox_page(self.ctx.db, which, offset=offset, limit=PAGE, today=today)
        self.post_message(self.Loaded(which, page))

    def on_inbox_screen_loaded(self, message: Loaded) -> None:
        if message.which != self.which:
            return
        page, now, tz = message.page, self.ctx.now(), self.ctx.tz
        self.items = {str(item.id): item for item in page.rows}
        table = self.query_one(PagedTable)
        table.show_rows(
            [(str(i.id), _cells(i, now, tz)) for i in page.rows],
            has_next=page.has_next,
            has_previous=page.has_previous,
        )
        self._go_to_wanted(table)
        status = _("{first}–{last} of {total} ({which})").format(
            first=fmt.number(page.first), last=fmt.number(page.last),
            total=fmt.number(page.total), which=_(FILTER_LABELS[self.which]),
        )  # fmt: skip
        self.query_one("#inbox-status", Static).update(status)
        self._show_current()
        self.loads += 1

    def _go_to_wanted(self, table: PagedTable) -> None:
        if self.wanted in self.items:
            table.move_cursor(row=table.keys.index(self.wanted))
            self.wanted = None

    def show_message(self, inbound_id: int) -> None:
        """Put the cursor on one message (switching to "All" so it is listed)."""
        self.wanted = str(inbound_id)
        self.query_one(Tabs).active = "all"
        self.reload()

    def show_filter(self, which: InboxFilter) -> None:
        self.query_one(Tabs).active = which

    def current(self) -> InboxItem | None:
        key = self.query_one(PagedTable).highlighted_key()
        return self.items.get(key) if key else None

    def _show_current(self) -> None:
        rendered = detail(self.current(), self.ctx.tz, self.ctx.now())
        self.query_one("#message", Static).update(rendered)

    def on_paged_table_row_highlighted(self, _event: PagedTable.RowHighlighted) -> None:
        self._show_current()

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        which = as_filter(str(event.tab.id))
        if which is not None and which != self.which:
            self.which, self.page_offset = which, 0
            self.query_one(PagedTable).reset_cursor()
            self.reload()

    def on_paged_table_page_requested(self, event: PagedTable.PageRequested) -> None:
        self.page_offset = max(0, self.page_offset + event.delta * PAGE)
        self.reload()

    def action_next_filter(self) -> None:
        following = FILTERS[(FILTERS.index(self.which) + 1) % len(FILTERS)]
        self.query_one(Tabs).active = following

    def action_reclassify(self) -> None:
        item = self.current()
        if item is None:
            return
        choices = [(k, _choice_label(k, item)) for k in KINDS if k != item.kind or item.held]
        question = _("{kind} from {sender}: what is it really?").format(
            kind=fmt.kind_label(item.kind), sender=item.from_addr
        )
        inbound_id, db, now = item.id, self.ctx.db, self.ctx.now()

        def chosen(kind: str | None) -> None:
            if kind:
                commands_of(self.app).run(
                    lambda: actions.reclassify(db, inbound_id, kind, now), what=_("Re-classify")
                )

        self.app.push_screen(ChoiceScreen(question, choices), chosen)

    def action_interest(self, interest: str) -> None:
        item, db = self.current(), self.ctx.db
        if item is not None:
            inbound_id = item.id
            commands_of(self.app).run(
                lambda: actions.mark_interest(db, inbound_id, interest or None), what=_("Interest")
            )


    # -- triage ---------------------------------------------------------------------

    def _reply(self) -> InboxItem | None:
        """The highlighted message when it is a reply (the triage keys act on replies)."""
        item = self.current()
        if item is None or item.kind != "reply":
            self.notify(_("triage works on replies: pick one"), severity="warning")
            return None
        return item

    def action_accept(self) -> None:
        item, db, now = self._reply(), self.ctx.db, self.ctx.now()
        if item is not None:
            inbound_id, intent = item.id, item.intent or ReplyIntent.OTHER.value
            commands_of(self.app).run(
                lambda: inbox_actions.accept_intent(db, inbound_id, intent, now), what=_("Accept")
            )

    def action_change_intent(self) -> None:
        item, db, now = self._reply(), self.ctx.db, self.ctx.now()
        if item is None:
            return
        inbound_id = item.id
        choices = [(i.value, fmt.intent_label(i.value)) for i in ReplyIntent
                   if i.value != item.intent]  # fmt: skip
        question = _("{intent} from {sender}: what is it?").format(
            intent=fmt.intent_label(item.intent), sender=item.from_addr
        )

        def chosen(intent: str | None) -> None:
            if intent:
                commands_of(self.app).run(
                    lambda: inbox_actions.change_intent(db, inbound_id, intent, now),
                    what=_("Change intent"),
                )

        self.app.push_screen(ChoiceScreen(question, choices), chosen)

    def action_snooze(self) -> None:
        item, db, now = self._reply(), self.ctx.db, self.ctx.now()
        if item is None:
            return
        inbound_id = item.id
        today = now.astimezone(self.ctx.tz).date()
        choices = [(day.isoformat(), f"{label}: {fmt.dated(day, 'weekday_date')}")
                   for label, day in snooze_days(today, item.intent_until)]  # fmt: skip

        def chosen(day: str | None) -> None:
            if day:
                until = date.fromisoformat(day)
                commands_of(self.app).run(
                    lambda: inbox_actions.snooze(db, inbound_id, until, now), what=_("Snooze")
                )

        self.app.push_screen(ChoiceScreen(_("Snooze this reply until"), choices), chosen)

    def action_enroll_referral(self) -> None:
        item, db, now = self._reply(), self.ctx.db, self.ctx.now()
        if item is None:
            return
        waiting = [email for email in item.proposed if email not in item.enrolled]
        if not waiting:
            self.notify(_("no proposed referral to enroll"), severity="warning")
            return
        inbound_id = item.id

        def confirmed(email: str, yes: bool | None) -> None:
            if yes:
                commands_of(self.app).run(
                    lambda: inbox_actions.enroll(db, inbound_id, email, now), what=_("Enroll")
                )

        def ask(email: str | None) -> None:
            if email:
                question = _("Enroll {email} in campaign {name}?").format(
                    email=email, name=item.campaign
                )
                self.app.push_screen(ConfirmScreen(question, _("Enroll")),
                                     lambda yes: confirmed(email, yes))  # fmt: skip

        if len(waiting) == 1:
            ask(waiting[0])
        else:
            self.app.push_screen(ChoiceScreen(_("Which referral?"), [(e, e) for e in waiting]), ask)

    def action_handled(self) -> None:
        item, db, now = self._reply(), self.ctx.db, self.ctx.now()
        if item is not None:
            inbound_id, handled = item.id, not item.handled
            commands_of(self.app).run(
                lambda: inbox_actions.mark_handled(db, inbound_id, handled, now), what=_("Handled")
            )

    def action_open_thread(self) -> None:
        item = self.current()
        if item is not None and item.prospect_id is not None and item.prospect:
            self.app.push_screen(TimelineScreen(item.prospect_id, item.prospect))


def snooze_days(today: date, named: date | None) -> list[tuple[str, date]]:
    """The days a reply can be snoozed to: the day it named first, when still ahead."""
    monday = today + timedelta(days=7 - today.weekday())
    days = [(_("tomorrow"), today + timedelta(days=1)), (_("next Monday"), monday),
            (_("in two weeks"), today + timedelta(days=14)),
            (_("in a month"), today + timedelta(days=30))]  # fmt: skip
    if named is not None and named > today:
        days.insert(0, (_("the day they named"), named))
    return days


def _choice_label(kind: str, item: InboxItem) -> str:
    """A kind to choose; for a held message its own kind means "act on it after all"."""
    label = fmt.kind_label(kind)
    if item.held and kind == item.kind:
        return _("{kind} (act on it)").format(kind=label)
    return label


def _cells(item: InboxItem, now: datetime, tz: ZoneInfo) -> list[object]:
    return [
        fmt.local(item.received_at, tz, now),
        kind_text(item, short=True),
        intent_text(item),
        found_text(item),
        item.from_addr,
        item.subject,
        interest_text(item.interest),
    ]
