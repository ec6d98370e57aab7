"""Every use case, built once per front end over the shared services and its own readings."""

from __future__ import annotations

from dataclasses import dataclass

from bot.app.catchup import Catchup
from bot.app.ports import ServicesPort
from bot.app.readings import LiveReadingUseCases, PrivateReadings
from bot.app.responses import Responses
from bot.app.schedules import Schedules
from bot.app.settings import GuildSettingsUseCases
from bot.app.shelf import Shelf
from bot.app.stories import Stories
from bot.reading.ports import Clock
from bot.reading.readings import Readings


@dataclass(frozen=True, slots=True)
class App:
    stories: Stories
    readings: LiveReadingUseCases
    private: PrivateReadings
    catchup: Catchup
    schedules: Schedules
    responses: Responses
    settings: GuildSettingsUseCases
    shelf: Shelf

    @classmethod
    def build(cls, services: ServicesPort, readings: Readings, clock: Clock) -> App:
        stories = Stories(services, readings)
        return cls(
            stories=stories,
            readings=LiveReadingUseCases(services, readings, stories),
            private=PrivateReadings(services, stories, clock),
            catchup=Catchup(services, stories, clock),
            schedules=Schedules(services, readings),
            responses=Responses(services, clock),
            settings=GuildSettingsUseCases(services),
            shelf=Shelf(services, stories, readings, clock),
        )
