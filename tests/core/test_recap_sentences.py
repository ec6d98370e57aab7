"""Recaps quote whole sentences: abbreviations, initials and decimals do not cut them short."""

from bot.core.recap import recap, sentences


def test_recap_sentences_keep_titles_initials_and_decimals():
    text = (
        "Mr. Giles opened the old book at page 3.5 of the index and frowned at it. "
        "Dr. Walsh and J. K. Brown watched the library door for a long while, e.g. the back one. "
        "Nothing happened."
    )
    assert sentences([text]) == [
        "Mr. Giles opened the old book at page 3.5 of the index and frowned at it.",
        "Dr. Walsh and J. K. Brown watched the library door for a long while, e.g. the back one.",
        "Nothing happened.",
    ]


def test_recap_never_quotes_half_a_sentence_cut_at_a_title():
    texts = [
        "Mrs. Summers waited by the window of the house on Revello Drive until dawn came. "
        "Buffy did not come home that night, and the phone stayed silent on the table.",
        "St. Mary's bell rang twice over the cemetery while the slayer ran between the graves. "
        "Prof. Walsh wrote the report about the vampire in the crypt before sunrise.",
    ]
    summary = recap(texts, max_sentences=4)
    assert summary
    for sentence in summary:
        assert not sentence.endswith(("Mrs.", "St.", "Prof."))
        assert sentence in sentences(texts)
    assert all(len(s.split()) >= 10 for s in summary)
