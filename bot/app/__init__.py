"""The application layer: one use case per command, shared by every front end.

Front ends (the Discord cogs and buttons, the console) only parse input, build an
:class:`Actor`, call a use case and render the plain result it returns. Use cases
check who may do what (raising :class:`bot.core.errors.NotAllowed`) and raise
:class:`bot.core.errors.StorytellerError` subclasses for everything a person may
see; they never format for one front end. Nothing here imports discord.

Wiring (once per front end)::

    readings = services.readings(publisher, clock)
    app = App.build(services, readings, clock)          # bot.app.wiring.App
    actor = Actor(user_id=1, guild_id=1, channel_id=1, name="you", manage_guild=True, manage_messages=True)

``App`` has one attribute per area; each use case is an ``async`` method taking the
``Actor`` first (where who asks matters) and returning a frozen dataclass.

``app.stories`` (bot.app.stories.Stories)
    summary(actor, title) -> StoryCard                   # /summary: card + "Previously" recap if this channel reads it
    rating(actor, title) -> RatingInfo                   # /rating
    library(*, search="", fandom="", rating="", page=0) -> LibraryPage   # /library and its page buttons
    recap(actor, installments: int | None = None) -> Recap              # /recap
    complete(typed) -> list[tuple[slug, title]]; fandoms(typed) -> list[str]   # autocomplete

``app.readings`` (bot.app.readings.LiveReadingUseCases)
    prepare(actor, title) -> LiveStart                   # /story (live), step 1: gate, reader role, channel free
    start(actor, prepared: LiveStart, *, channel_id: int | None = None,
          card_message_id: int | None = None) -> ReadingStatus   # step 2, after the card is posted
    control(actor, channel_id, action: Control) -> ControlResult # /reading pause|resume|stop, card buttons
    status(actor, channel_id: int | None = None) -> ReadingStatus  # /reading status
    status_text(status) -> str (module function)         # the shared wording; says "Waiting: ..." when waiting

``app.private`` (bot.app.readings.PrivateReadings)
    open(actor, title, *, from_start=False) -> PrivateStart  # /story private:True: card + the page where they were
    page(actor, story_id, page) -> Page                  # Previous/Next buttons (gate checked on every page)

``app.catchup`` (bot.app.catchup.Catchup)
    open(actor, *, from_start=False) -> CatchupStart     # /catchup: page + recap bounded by the reader's progress
    page(actor, schedule_id, page) -> Page               # Previous/Next buttons

``app.schedules`` (bot.app.schedules.Schedules)          # all but ``more`` need Manage Server (actor.manage_guild)
    create(actor, request: ScheduleRequest) -> ScheduleCreated
    list(actor) -> list[ScheduleLine]
    status(actor, schedule_id, *, upcoming=3) -> ScheduleReport   # /schedule status: the next three posts
    show(actor, schedule_id) -> ScheduleReport           # /schedule show: every post still to come
    choices(actor) -> list[ScheduleLine]                 # autocomplete (no admin check; [] outside a server)
    pause / resume / skip / post_now (actor, schedule_id) -> ScheduleReport
    edit(actor, schedule_id, change: ScheduleChange) -> ScheduleReport
    cancel(actor, schedule_id) -> int
    more(actor, schedule_id, installment) -> MoreResult  # the More! button; MoreResult.message is the wording

``app.responses`` (bot.app.responses.Responses)
    reactions(actor, title) -> ReactionsReport           # /reactions (guild's own numbers only)
    feedback_form(actor, title) -> FeedbackForm          # /feedback: which story the form is for
    submit_feedback(actor, story_id, text) -> None       # the form submitted
    react(message_id, user_id, emoji) / unreact(...)     # raw reaction events

``app.settings`` (bot.app.settings.GuildSettingsUseCases)   # Manage Server
    show(actor) -> SettingsResult
    change(actor, change: SettingsChange) -> SettingsResult

Authorization (bot.app.actor): ``require_admin(actor)`` (Manage Server), ``may_steer(actor,
started_by)`` (the reader who started it, Manage Messages or Manage Server), and the reader role
(``settings.reader_role_id``: only members with it, or Manage Server, start live readings).
"""

from bot.app.actor import Actor

__all__ = ["Actor"]
