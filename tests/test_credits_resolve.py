"""Credits across sentences: quotations and their speakers, pronouns, carry-over."""

from __future__ import annotations

import pytest

from bot.search.credits import quote_openings
from tests.test_credits import credit, spans_of

# --- Quotations followed across sentences and paragraphs ---


def test_a_quotation_of_three_sentences_takes_the_speaker_named_at_its_end() -> None:
    text = (
        "\u201cThe roof held. The walls held. Only the windows broke,\u201d said site manager "
        "Ola Berg. The storm moved east."
    )
    assert credit(text) == ["site manager Ola Berg"] * 3 + [None]


def test_a_quotation_introduced_with_a_colon_carries_its_speaker() -> None:
    text = 'Ms Rana Idris said: "The grant is too small. We asked for twice as much." Rain fell.'
    assert credit(text) == ["Ms Rana Idris", "Ms Rana Idris", None]


def test_a_quotation_opening_a_new_paragraph_carries_on_an_unclosed_one() -> None:
    text = (
        '"We will appeal," said club chairman Noel Grant. "The fine is unfair.\n\n'
        '"The fans deserve better." The club was fined in March.'
    )
    assert credit(text) == ["club chairman Noel Grant"] * 3 + [None]


def test_a_paragraph_of_quotes_joined_into_one_keeps_its_speaker() -> None:
    # Exports that join a quotation's paragraphs leave an opening mark inside it.
    text = (
        'Ms Ada Quinn said: "The library is full every day. "We need a bigger building. '
        '"The council knows it."\n\nThe council has not replied.'
    )
    assert credit(text) == ["Ms Ada Quinn"] * 3 + [None]


def test_an_unclosed_quotation_ends_where_a_new_speaker_takes_over() -> None:
    text = (
        'Mr Owen Hale said: "I lost my shop. He added: "Insurance paid nothing. '
        'Nobody helped." The street reopened in June.'
    )
    assert credit(text) == ["Mr Owen Hale"] * 3 + [None]


def test_a_quotation_after_a_credited_sentence_is_that_speaker_s() -> None:
    text = (
        "The director of the museum, Eva Lund, said the loan was a coup.\n\n"
        "\u201cPeople will queue for hours.\u201d Tickets go on sale on Monday."
    )
    assert credit(text) == ["Eva Lund", "Eva Lund", None]


def test_a_sentence_after_a_closed_quotation_is_the_article_s_own() -> None:
    text = (
        '"The rail line is safe," said engineer Pia Holm. Trains resumed on Sunday. '
        "Passenger numbers fell in May."
    )
    assert credit(text) == ["engineer Pia Holm", None, None]


@pytest.mark.parametrize(
    "marks",
    [("\u201c", "\u201d"), ('"', '"'), ("\u00ab", "\u00bb")],
    ids=["curly", "straight", "guillemets"],
)
def test_quotation_marks_of_any_kind(marks: tuple[str, str]) -> None:
    o, c = marks
    text = f"{o}Prices will rise. Wages will not,{c} said economist Jo Lamb. Markets closed."
    assert credit(text) == ["economist Jo Lamb", "economist Jo Lamb", None]


def test_nested_quotes_and_apostrophes_leave_the_voice_alone() -> None:
    text = (
        "\"When I said 'stop', the players' union laughed,\" said referee Tom Hart. "
        "The union's chief didn't reply. OutRage!'s founder spoke later."
    )
    assert credit(text) == ["referee Tom Hart", None, None]


def test_a_straight_single_quote_without_a_closing_one_opens_nothing() -> None:
    text = (
        'His lawyer Ivo Brand said: "\'We will sue the agency." Ms Lea Nox said she agreed. '
        "The case opens in May."
    )
    assert credit(text) == ["his lawyer Ivo Brand", "Ms Lea Nox", None]


def test_continues_quote_marks_sentences_inside_or_carrying_on_a_quotation() -> None:
    text = 'Mr Eli Roth said: "The dam is old. It leaks. "Fix it now."\n\nThe river rose.'
    assert quote_openings(text, spans_of(text)) == [False, True, True, False]


# --- Pronouns: the nearest compatible named speaker ---


def test_he_said_is_the_nearest_man_not_the_last_speaker() -> None:
    text = (
        '"We played well," said Anna Kowal. Goalkeeper Ben Tate agreed with his captain. '
        '"The result was fair," he added.'
    )
    assert credit(text) == ["Anna Kowal", None, "Goalkeeper Ben Tate"]


def test_whom_a_sentence_is_about_leaves_its_adverbs_out() -> None:
    text = "Mr Ray Tull also outlined a plan for new ferries. It would cost millions, he said."
    assert credit(text) == [None, "Mr Ray Tull"]


def test_he_can_be_whom_the_sentence_before_was_about() -> None:
    text = (
        "Home Secretary Jan Ross told the BBC the camp would close. Mr Omar Said is the first "
        "detainee to speak. He told the Herald the food was poor."
    )
    assert credit(text) == ["Home Secretary Jan Ross", None, "Mr Omar Said"]


def test_she_skips_a_man_named_between() -> None:
    text = (
        "Ms Dora Lind said the school would reopen. Mr Karl Vos said he disagreed. "
        "She added that classes would be smaller."
    )
    assert credit(text) == ["Ms Dora Lind", "Mr Karl Vos", "Ms Dora Lind"]


def test_a_firm_after_a_name_does_not_make_it_a_group() -> None:
    text = (
        '"We sold both shops," said Ian Hale of accountants Hale & Partners. '
        '"It was a hard year," he said.'
    )
    assert credit(text) == ["Ian Hale of accountants Hale & Partners"] * 2


def test_it_said_is_the_nearest_organisation() -> None:
    text = (
        "Ms Hana Roe said prices were too high. The water company rejected her view. "
        "It said bills would fall next year."
    )
    # "It" stands for the company the sentence before is about, not for the woman quoted.
    assert credit(text) == ["Ms Hana Roe", None, "the water company"]


def test_it_is_not_guessed_for_a_name_that_may_be_a_person() -> None:
    text = (
        "The ministry said exports rose. Tellwick said sales were flat. "
        '"Winter was hard," it added.'
    )
    assert credit(text) == ["the ministry", "Tellwick", None]


def test_he_is_not_a_thing_with_capitals_in_its_name() -> None:
    text = (
        "The band won with their second album Night Train. Their album Night Train sold well. "
        '"We love it," he said.'
    )
    assert credit(text) == [None, None, None]


def test_a_pronoun_with_nobody_compatible_is_not_guessed() -> None:
    text = "The harbour froze overnight. He said the boats were safe."
    assert credit(text) == [None, None]


def test_a_pronoun_is_not_guessed_when_another_name_leads_a_clause_in_between() -> None:
    text = (
        "Mr Ivan Petrov resigned on Friday, a move Mr Lars Eng has welcomed. "
        'But he said: "The party needs new leaders."'
    )
    assert credit(text) == [None, None]


def test_a_named_speaker_beats_the_quotation_carried_over() -> None:
    text = (
        '"We will win the vote," said Mr Abe Cole. "The country is ready. '
        '"Nobody doubts it," party secretary Ruth Ines added.'
    )
    assert credit(text) == ["Mr Abe Cole", "Mr Abe Cole", "party secretary Ruth Ines"]


def test_a_pronoun_inside_a_quotation_is_the_quoted_speaker_s_business() -> None:
    text = (
        'Mrs Vera Holt said: "My son called. He told me the bridge was closed."'
        " The bridge reopened at noon."
    )
    assert credit(text) == ["Mrs Vera Holt", "Mrs Vera Holt", None]
