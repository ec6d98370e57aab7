"""Cutting a long story into installments runs in a worker thread, off the event loop."""

import threading
from types import SimpleNamespace

from bot.core.installments import cut_installments
from bot.core.models import Chapter
from bot.library import catalog as catalog_module
from bot.library.catalog import THREAD_THRESHOLD, Catalog, story_chars


class _Stories:
    def __init__(self, chapters):
        self._chapters = chapters

    async def chapters(self, story_id):
        return self._chapters


def _chapters(chars):
    paragraph = "The night was quiet. She turned to the window, and he said nothing at all."
    return (Chapter("One", tuple([paragraph] * (chars // len(paragraph) + 1))),)


async def _cut_in(chapters, monkeypatch):
    threads = []
    real = catalog_module.cut_installments

    def spy(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(catalog_module, "cut_installments", spy)
    catalog = Catalog(_Stories(chapters), words_per_minute=230, installment_minutes=5.0)
    installments = await catalog.installments(SimpleNamespace(id=1))
    assert installments == cut_installments(chapters, minutes=5.0, words_per_minute=230)
    return threads


async def test_a_long_story_is_cut_in_a_worker_thread(monkeypatch):
    chapters = _chapters(THREAD_THRESHOLD + 1000)
    assert story_chars(chapters) > THREAD_THRESHOLD
    assert await _cut_in(chapters, monkeypatch) == [False]


async def test_a_short_story_is_cut_at_once(monkeypatch):
    chapters = _chapters(5_000)
    assert await _cut_in(chapters, monkeypatch) == [True]
