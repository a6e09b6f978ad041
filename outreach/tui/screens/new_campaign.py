"""Create a campaign without leaving the TUI: a name, a sequence file, the mailboxes to
send from, the prospects (by tag and search), then the plan — and start it as
``outreach campaign start`` does. Returns the campaign's name (None: nothing created)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Header, Input, Label, Select, SelectionList, Static

from outreach.campaigns import service
from outreach.campaigns.plan import PlanRow, plan_campaign
from outreach.errors import OutreachError
from outreach.i18n import N_, _, ngettext
from outreach.tui import format as fmt
from outreach.tui.bindings import Translated
from outreach.tui.context import context_of
from outreach.tui.screens.campaign import PLAN_COLUMNS, PLAN_DAYS, plan_cells
from outreach.tui.screens.start_campaign import StartCampaignScreen
from outreach.tui.widgets.fitted_table import FittedTable
from outreach.tui.widgets.form import FormField
from outreach.tui.widgets.keybar import KeyBar
from outreach.views.new_campaign import (
    CampaignChoices,
    Matching,
    campaign_choices,
    matching_prospects,
)

DEBOUNCE = 0.25


@dataclass(frozen=True)
class NewCampaign:
    name: str
    sequence: Path
    mailboxes: list[str]
    emails: list[str]


class NewCampaignScreen(Screen[str | None], Translated):
    """Esc leaves without creating (or, once created, keeps the draft)."""

    BINDINGS = [Binding("escape", "close", N_("Back"))]
    DEFAULT_CSS = """
    NewCampaignScreen #new-form { padding: 0 1; }
    NewCampaignScreen Horizontal { height: auto; }
    NewCampaignScreen SelectionList { height: auto; max-height: 8; }
    NewCampaignScreen #matches, NewCampaignScreen #created { height: auto; margin: 0 1; }
    NewCampaignScreen #new-plan { height: auto; max-height: 14; }
    NewCampaignScreen #new-buttons { align-horizontal: right; margin-top: 1; }
    NewCampaignScreen Button { margin-left: 1; }
    """

    @dataclass
    class ChoicesLoaded(Message):
        choices: CampaignChoices

    @dataclass
    class Matched(Message):
        matching: Matching

    @dataclass
    class Created(Message):
        name: str
        lines: list[str]
        enrolled: int
        plan: list[PlanRow]

    @dataclass
    class Refused(Message):
        error: str

    def __init__(self) -> None:
        super().__init__()
        self.matching = Matching(())
        self.created: str | None = None
        self.enrolled = 0
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="new-form"):
            yield Label(Text(_("New campaign: it is created as a draft; see its plan, then "
                               "start it (nothing is sent before).")), classes="question")
            with Horizontal():
                yield FormField(_("Name"), Input(placeholder=_("e.g. q1-founders"),
                                                 id="new-name"), name="name")
                yield FormField(_("Sequence"), Select[str]([], id="new-sequence",
                                                           prompt=_("choose a sequence file")),
                                name="sequence")
            with Horizontal():
                yield FormField(_("Send from (space ticks)"),
                                SelectionList[str](id="new-mailboxes"), name="mailboxes")
                yield FormField(_("Prospects tagged (none ticked: every tag)"),
                                SelectionList[str](id="new-tags"), name="tags")
            yield FormField(_("…whose address, name or company contains"),
                            Input(placeholder=_("search (optional)"), id="new-search"),
                            name="search")
            yield Static(id="matches")
            yield Static(id="created")
            yield FittedTable(PLAN_COLUMNS, id="new-plan")
            with Horizontal(id="new-buttons"):
                yield Button(_("Cancel"), id="cancel")
                yield Button(_("Create draft & plan"), id="create", variant="primary")
                yield Button(_("Start …"), id="start", variant="success")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = _("new campaign")
        self.query_one("#start", Button).display = False
        self.query_one("#new-plan").display = False
        self.query_one("#new-name", Input).focus()
        self._load_choices()

    @property
    def folders(self) -> list[Path]:
        return [Path.cwd(), context_of(self.app).sequences_dir]  # the rep's own files first

    @work(thread=True, exclusive=True, group="new-campaign-choices")
    def _load_choices(self) -> None:
        db = context_of(self.app).db
        self.post_message(self.ChoicesLoaded(campaign_choices(db, self.folders)))

    def on_new_campaign_screen_choices_loaded(self, message: ChoicesLoaded) -> None:
        choices = message.choices
        sequence = self.query_one("#new-sequence", Select)
        sequence.set_options([(_shown_path(p), str(p)) for p in choices.sequences])
        if choices.sequences:
            sequence.value = str(choices.sequences[0])
        boxes = self.query_one("#new-mailboxes", SelectionList)
        boxes.clear_options()
        for email, paused in choices.mailboxes:
            shown = _("{email} (paused)").format(email=email) if paused else email
            boxes.add_option((shown, email, not paused))
        tags = self.query_one("#new-tags", SelectionList)
        tags.clear_options()
        for tag, count in choices.tags:
            tags.add_option((f"{tag} ({count})", tag, False))
        self._match()

    # -- which prospects ------------------------------------------------------------

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        if event.selection_list.id == "new-tags":
            self._match()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "new-search":
            if self._debounce is not None:
                self._debounce.stop()
            self._debounce = self.set_timer(DEBOUNCE, self._match)

    def _match(self) -> None:
        tags = [str(t) for t in self.query_one("#new-tags", SelectionList).selected]
        self._find(tags, self.query_one("#new-search", Input).value)

    @work(thread=True, exclusive=True, group="new-campaign-match")
    def _find(self, tags: list[str], search: str) -> None:
        db = context_of(self.app).db
        self.post_message(self.Matched(matching_prospects(db, tags, search)))

    def on_new_campaign_screen_matched(self, message: Matched) -> None:
        self.matching = found = message.matching
        text = Text(ngettext("{count} prospect matches", "{count} prospects match",
                             found.count).format(count=fmt.number(found.count)), style="bold")
        if found.count:
            text.append(f": {found.sample()}")
        self.query_one("#matches", Static).update(text)

    # -- create, plan, start --------------------------------------------------------------

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        if self.created is None:
            self.action_create()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        {"cancel": self.action_close, "create": self.action_create,
         "start": self.action_start}[str(event.button.id)]()

    def form(self) -> NewCampaign | None:
        """The form's choices, or None with each problem shown at its field."""
        name = self.query_one("#new-name", Input).value.strip()
        sequence = self.query_one("#new-sequence", Select).value
        boxes = [str(b) for b in self.query_one("#new-mailboxes", SelectionList).selected]
        errors = {
            "name": None if name else _("give the campaign a name"),
            "sequence": None if isinstance(sequence, str) else _("choose a sequence file"),
            "mailboxes": None if boxes else _("tick at least one mailbox"),
            "search": None if self.matching.count else _("no prospect matches these tags/search"),
        }
        for field in self.query(FormField):
            field.show_error(errors.get(field.field_name))
        if any(errors.values()) or not isinstance(sequence, str):
            return None
        return NewCampaign(name, Path(sequence), boxes, list(self.matching.emails))

    def action_create(self) -> None:
        form = self.form()
        if form is not None and self.created is None:
            self.query_one("#create", Button).disabled = True
            self.query_one("#created", Static).update(Text(_("creating …"), style="dim"))
            self._create(form)

    @work(thread=True, exclusive=True, group="new-campaign-create")
    def _create(self, form: NewCampaign) -> None:
        ctx = context_of(self.app)
        try:
            done = service.create_campaign(ctx.db, form.name, form.sequence, form.mailboxes,
                                           emails=form.emails, now=ctx.now())
            plan = plan_campaign(ctx.db, form.name, days=PLAN_DAYS, now=ctx.now())
        except OutreachError as exc:
            self.post_message(self.Refused(str(exc)))
            return
        self.post_message(self.Created(form.name, created_lines(done), done.enrolled, plan))

    def on_new_campaign_screen_refused(self, message: Refused) -> None:
        self.query_one("#create", Button).disabled = False
        self.query_one("#created", Static).update(Text(f"✗ {message.error}", style="bold red"))

    def on_new_campaign_screen_created(self, message: Created) -> None:
        self.created, self.enrolled = message.name, message.enrolled
        for control in self.query("#new-form Input, #new-form Select, #new-form SelectionList"):
            control.disabled = True
        text = Text("\n".join(message.lines))
        text.append("\n" + ngettext(
            "The plan: {count} send in the next {days} days (nothing is sent before you start it)",
            "The plan: {count} sends in the next {days} days (nothing is sent before you start it)",
            len(message.plan),
        ).format(count=fmt.number(len(message.plan)), days=PLAN_DAYS), style="bold")  # fmt: skip
        self.query_one("#created", Static).update(text)
        plan = self.query_one("#new-plan", FittedTable)
        plan.display = True
        plan.show_rows([(str(n), plan_cells(row, context_of(self.app).tz))
                        for n, row in enumerate(message.plan)])
        self.query_one("#create", Button).display = False
        self.query_one("#cancel", Button).label = _("Keep as draft")
        start = self.query_one("#start", Button)
        start.display = message.enrolled > 0
        (start if message.enrolled else self.query_one("#cancel", Button)).focus()

    def action_start(self) -> None:
        if self.created is not None and self.enrolled:
            self.app.push_screen(StartCampaignScreen(self.created, self.enrolled), self._started)

    def _started(self, queued: int | None) -> None:
        if queued:
            self.dismiss(self.created)

    def action_close(self) -> None:
        self.dismiss(self.created)


def created_lines(done: service.Enrolled) -> list[str]:
    """What ``campaign create`` prints: enrolled, per mailbox, and who was skipped, why."""
    lines = [ngettext(
        "campaign {name} created as a draft: {count} prospect enrolled",
        "campaign {name} created as a draft: {count} prospects enrolled", done.enrolled,
    ).format(name=repr(done.campaign), count=fmt.number(done.enrolled))]  # fmt: skip
    lines += [_("  {count:>6} from {email}").format(count=count, email=email)
              for email, count in done.per_mailbox.items()]  # fmt: skip
    if done.skipped:
        lines.append(_("  {count} skipped:").format(count=len(done.skipped)))
    lines += [f"    {s.email}: {s.reason}" for s in done.skipped]
    return lines


def _shown_path(path: Path) -> str:
    """``./q1.yaml`` for a file in the current folder, else the folder's name and the file."""
    if path.parent.resolve() == Path.cwd().resolve():
        return f"./{path.name}"
    return f"{path.parent.name}/{path.name}"
