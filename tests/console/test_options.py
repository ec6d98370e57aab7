"""Console lines read as slash commands, checked with the same kinds, ranges and choices as Discord."""

from __future__ import annotations

import pytest

from bot.console.options import completions, parse_line, tokenize
from bot.core.errors import InvalidOption, StorytellerError


def values(line: str) -> dict:
    invocation = parse_line(line)
    return {name: invocation.values[name] for name in invocation.given}


def test_both_option_spellings_quotes_and_positional_text():
    line = '/schedule create story:fight-for-me every: daily at:20:00 "timezone:Europe/Paris"'
    invocation = parse_line(line)
    assert invocation.path == ("schedule", "create")
    assert values(line) == {"story": "fight-for-me", "every": "daily", "at": "20:00", "timezone": "Europe/Paris"}
    assert invocation.values["channel"] == 1  # the console's one channel
    assert invocation.values["catch_up"] == "shift" and invocation.values["minutes"] is None  # Discord's defaults
    assert values("/story fight for me private:true") == {"title": "fight for me", "private": True}
    assert values("/story fight-for-me private: True") == {"title": "fight-for-me", "private": True}
    assert values('/story title:"fight for me" private:no') == {"title": "fight for me", "private": False}
    assert values("/story Buffy's night") == {"title": "Buffy's night"}
    assert values('/story "Buffy: the musical"') == {"title": "Buffy: the musical"}
    assert values("/library night") == {"search": "night"}
    assert values("/library search:night sky rating:T") == {"search": "night sky", "rating": "T"}
    assert values("/schedule create fight-for-me every: 6 hours at:09:00") == {
        "story": "fight-for-me",
        "every": "6 hours",
        "at": "09:00",
    }
    assert values("/story private:yes fight for me") == {"title": "fight for me", "private": True}
    assert values('/library search:"" rating:pg') == {"search": "", "rating": "PG"}
    assert values("/schedule status #3") == {"schedule": 3}
    assert parse_line("/Schedule POST_NOW 2").path == ("schedule", "post-now")


def test_tokens_keep_apostrophes_and_unclosed_quotes_as_letters():
    assert [t.text for t in tokenize("it's \"a b\" c:'d e' \"open")] == ["it's", "a b", "c:d e", '"open']


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/foo", "Unknown command /foo. Type /help"),
        ("/schedule nope 1", "Unknown command /schedule nope. /schedule has: create, list, status"),
        ("/schedule", "/schedule needs a subcommand: create, list"),
        ("/story x colour:red", "/story has no option `colour`. Its options: title, private."),
        ("/reading pause now", "/reading pause takes no options"),
        ("/reading stop speed:2", "/reading stop takes no options"),
        ("/story", "/story needs the option `title`"),
        ("/library search:", "The option `search` needs a value"),
        ("/story x private:maybe", "The option `private` is true or false"),
        ("/library rating:X", "The option `rating` is one of G, PG, T, M, E, U: `X` is not."),
        ("/story x private:true private:false", "The option `private` is given twice."),
        ("/schedule create x channel:#general", "The console has one channel, #console"),
        ("/settings reader_role:@mods", "takes a role id"),
        ("story x", "Commands start with /"),
    ],
)
def test_mistakes_are_refused_clearly(line, message):
    with pytest.raises(InvalidOption, match=None) as raised:
        parse_line(line)
    assert isinstance(raised.value, StorytellerError)
    assert message in str(raised.value)


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "abc", "-3", "0", "0.4", "121", "1e309", ""])
def test_minutes_out_of_range_or_not_a_number_names_the_option_and_the_range(bad):
    with pytest.raises(InvalidOption) as raised:
        parse_line(f'/schedule create fight-for-me "minutes:{bad}"')
    assert "`minutes`" in str(raised.value) and "from 0.5 to 120" in str(raised.value)


@pytest.mark.parametrize("bad", ["abc", "1.5", "0", "1001", "nan"])
def test_whole_numbers_keep_their_range(bad):
    with pytest.raises(InvalidOption, match="`installments` takes a whole number from 1 to 1000"):
        parse_line(f"/recap installments:{bad}")


def test_numbers_in_range_are_converted():
    assert values("/schedule create x minutes:0.5 more:1000")["minutes"] == 0.5
    assert values("/schedule create x minutes:120")["minutes"] == 120.0
    assert values("/recap installments:1") == {"installments": 1}
    assert values("/catchup from_start:yes") == {"from_start": True}
    assert values("/settings reader_role:<@&55> threads:off") == {"reader_role": 55, "threads": False}


def test_tab_completes_commands_subcommands_and_options():
    assert completions("/sch") == ["/schedule "]
    assert "post-now " in completions("/schedule ")
    assert completions("/schedule create x ev") == ["every:"]
    assert "title:" not in completions("/story title:x ")


def test_a_file_option_takes_a_file_on_this_computer(tmp_path):
    story = tmp_path / "garden.txt"
    story.write_text("Title: Garden\n\nWords.\n", encoding="utf-8")
    assert values(f"/import file:{story}") == {"file": story}
    with pytest.raises(InvalidOption, match="is a folder"):
        parse_line(f"/import file:{tmp_path}")
    with pytest.raises(InvalidOption, match="there is no file"):
        parse_line(f"/import file:{tmp_path / 'missing.txt'}")
