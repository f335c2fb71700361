from __future__ import annotations

import pytest

from bot.search.credits import attribute
from bot.search.index import SentenceIndex
from bot.search.sentences import SentenceSplitter
from tests.conftest import sentence_with

ADVISOR = "an advisor to the Syrian president"
MALBRUNOT = "reporter Georges Malbrunot with the French daily Le Figaro"

# Every sentence of the bundled Aleppo article, by a fragment, and whom it is credited to.
ALEPPO = [
    ("The numbers are impressive", None),
    ("At least 20,000 people", "the International Red Cross"),
    ("puts the figure significantly higher", "the UK-based Syrian Observatory for Human Rights"),
    ("Beyond the immediate humanitarian crisis", None),
    ("The Syrian-led offensive", None),
    ("Staffan de Mistura admitted", "the U.N. Syria envoy Staffan de Mistura"),
    ("Winning the battle for Aleppo", None),
    ("Writing from Syria", MALBRUNOT),
    ("Cold realpolitik", MALBRUNOT),
    ("We have no alternative", ADVISOR),
    ("Those around Assad are grateful", MALBRUNOT),
    ("not in control at the negotiating table", ADVISOR),
    ("He says discussions are now at an impasse", ADVISOR),
    ("the Russians want to complete the Aleppo operation", "a Syrian official quoted by Reuters"),
    ("What place Assad", None),
]


@pytest.mark.parametrize(("fragment", "source"), ALEPPO, ids=[f for f, _ in ALEPPO])
def test_every_aleppo_sentence_is_credited_right(
    aleppo_index: SentenceIndex, fragment: str, source: str | None
) -> None:
    assert sentence_with(aleppo_index, fragment).source == source


def test_aleppo_has_exactly_these_sentences(aleppo_index: SentenceIndex) -> None:
    assert len(aleppo_index) == len(ALEPPO)


def spans_of(text: str) -> list[tuple[int, int, int]]:
    """(paragraph, start, end) of each sentence of a text, paragraphs between blank lines."""
    splitter = SentenceSplitter.train([text])
    spans, start = [], 0
    for number, paragraph in enumerate(text.split("\n\n"), start=1):
        spans += [(number, start + a, start + b) for a, b in splitter.spans(paragraph)]
        start += len(paragraph) + 2
    return spans


def credit(text: str) -> list[str | None]:
    """Sources of the sentences of a text whose paragraphs are separated by blank lines."""
    return [a.source for a in attribute(text, spans_of(text))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Prices rose sharply, according to the central bank.", ["the central bank"]),
        ("The health ministry said 40 people died.", ["the health ministry"]),
        (
            "\u201cWe are ready,\u201d said Defence Minister Ana Ruiz.",
            ["Defence Minister Ana Ruiz"],
        ),
        ('"We are ready," the minister told Reuters.', ["the minister"]),
        ("Officials say the road is closed.", ["Officials"]),
        ("The rain stopped at noon.", [None]),
        ("He was told to leave.", [None]),
        ("The minister declined to say when.", [None]),
        ("The minister did not deny it.", [None]),
        ("The report was published on Monday.", [None]),
        ("Police put the death toll at 12.", ["Police"]),
        ("The latest estimates show growth.", [None]),
        ("Amnesty International reports abuses.", ["Amnesty International"]),
    ],
    ids=[
        "according-to",
        "X-said",
        "said-X",
        "X-told",
        "plural-subject",
        "own-voice",
        "passive",
        "declined-to",
        "negated",
        "noun-not-verb",
        "puts-the-toll",
        "noun-estimates",
        "named-reports",
    ],
)
def test_attribution_patterns(text: str, expected: list[str | None]) -> None:
    assert credit(text) == expected


def test_pronoun_takes_the_last_named_source() -> None:
    text = "Mayor Linda Okafor told reporters the work is done. She says traffic will flow."
    assert credit(text) == ["Mayor Linda Okafor", "Mayor Linda Okafor"]


def test_pronoun_with_nobody_named_is_not_guessed() -> None:
    assert credit("He says the bridge is safe.") == [None]


def test_quotation_speaker_carries_over_its_sentences() -> None:
    text = (
        "\u201cThe water rose fast. We had minutes to leave,\u201d a farmer told the BBC. "
        "Rain fell."
    )
    assert credit(text) == ["a farmer", "a farmer", None]


def test_introduced_quotation_takes_the_introducer() -> None:
    text = (
        "The mayor described the scene. \u201cIt was chaos. Nobody slept.\u201d The rain stopped."
    )
    assert credit(text) == ["the mayor", "the mayor", "the mayor", None]


def test_apostrophes_do_not_open_quotations() -> None:
    text = "The Russians\u2019 plan doesn\u2019t work. The army\u2019s chief said so."
    assert credit(text) == [None, "the army\u2019s chief"]


def test_continues_quote_flag(aleppo_index: SentenceIndex) -> None:
    assert sentence_with(aleppo_index, "Those around Assad").continues_quote
    assert not sentence_with(aleppo_index, "Cold realpolitik").continues_quote
    assert not sentence_with(aleppo_index, "Winning the battle").continues_quote


# --- Reporting verbs, their tenses and the clauses they need ---


@pytest.mark.parametrize(
    "verb",
    [
        "said",
        "says",
        "has said",
        "had earlier said",
        "added that",
        "claimed that",
        "warned that",
        "confirmed that",
        "insisted that",
        "admitted that",
        "argued that",
        "reported that",
        "believes that",
        "will say",
    ],
)
def test_reporting_verbs_in_their_tenses(verb: str) -> None:
    text = f"The fisheries minister {verb} the cod stocks were recovering."
    assert credit(text) == ["the fisheries minister"]


@pytest.mark.parametrize(
    "text",
    [
        "Striker Joe Barr added a second goal after the break.",
        "Veteran rider Kim Oduya claimed the title in Lyon.",
        "The winger confirmed his place in the squad.",
        "Nurses expect long queues at the clinic.",
        "The pattern of the fires suggests a single cause.",
        "Shipping firms cut their profit forecasts sharply.",
        "The council did not deny it.",
        "Mr Tom Reyes denies three charges of fraud.",
        "US state Ohio has sued two firms.",
        "The Halden report: Beyond the Limits, came out in May.",
        "Let's hope the rain stops.",
        "The big change predicted for next year is cheaper fuel.",
        "The mayor declined to say how much the works cost.",
    ],
    ids=[
        "added-a-goal",
        "claimed-a-title",
        "confirmed-a-place",
        "expect-no-clause",
        "no-speaker-suggests",
        "noun-forecasts",
        "negated",
        "declined-to-say",
        "denies-charges",
        "noun-state",
        "noun-report",
        "lets-hope",
        "predicted-for",
    ],
)
def test_verbs_that_report_nothing_here_credit_nobody(text: str) -> None:
    assert credit(text) == [None]


def test_a_verb_inside_the_quotation_is_not_the_sentence_s_attribution() -> None:
    text = "She called the plan \u201cwhat the bankers said we needed\u201d in her speech."
    assert credit(text) == [None]


# --- The speaker as a full noun phrase, its asides kept apart ---


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Ms Lena Varga, 41, from Hull, Yorkshire, said the lift broke twice.", "Ms Lena Varga"),
        (
            "Boat builder Sam Oyelaran, who has worked on the river for 30 years, told the "
            "Gazette the water was higher than ever.",
            "Boat builder Sam Oyelaran",  # no sign "boat" is a common word here
        ),
        (
            "Mayor Ruth Kemp - eager to calm the traders - had said the market would stay open.",
            "Mayor Ruth Kemp",
        ),
        ("Dev Patel, head of Marlow Robotics told reporters sales had doubled.", "Dev Patel"),
        (
            "Ana Silva, Tidewater's chief financial officer said costs had fallen.",
            "Ana Silva",
        ),
        (
            "But on Tuesday Foreign Minister Elin Dahl said the talks had failed.",
            "Foreign Minister Elin Dahl",
        ),
        (
            "One of the rival bidders, Norway-based group Fjordlift, said it would wait.",
            "Norway-based group Fjordlift",
        ),
        (
            "The town's deputy mayor, Rosa Albin, said: \u201cThe fair is back.\u201d",
            "Rosa Albin",
        ),
        ("Housing Minister, Ivo Lang MP, said rents would be capped.", "Ivo Lang MP"),
        (
            "Thornbury Bank and Castle Credit, the two lenders, have said rates will rise.",
            "Thornbury Bank and Castle Credit",
        ),
        (
            "The news and weather channel said the storm had passed.",
            "the news and weather channel",
        ),
        (
            "In a letter to parents the head teacher said the school would close.",
            "the head teacher",
        ),
        ("Earlier this week the dockers announced they would strike.", "the dockers"),
        (
            "Following the mayor's speech, lawyer Amal Reyes, who acts for the tenants, said "
            "the rents were unfair.",
            "lawyer Amal Reyes",
        ),
    ],
    ids=[
        "age-and-place",
        "who-clause",
        "dashes",
        "role-without-comma",
        "possessive-role",
        "time-before-name",
        "named-aside",
        "role-then-name",
        "capitalised-role-then-name",
        "two-names",
        "joined-nouns",
        "in-a-letter",
        "this-week",
        "following-aside",
    ],
)
def test_speaker_phrases_keep_their_asides_apart(text: str, speaker: str) -> None:
    assert credit(text) == [speaker]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            "\u201cIt was a long night,\u201d said Paul Renner, head of the lifeboat crew.",
            "Paul Renner",
        ),
        (
            '"Nobody expected this," said one elderly resident who watched the fire.',
            "one elderly resident",
        ),
        ("The bridge will close in May, says the highways agency.", "the highways agency"),
        (
            '"We had a good year," said festival founder and director Ola Dimka.',
            "festival founder and director Ola Dimka",
        ),
        ('"It will rain," said Ms Rhea Ode and added that it would be cold.', "Ms Rhea Ode"),
        ("Her deputy, Tom Ash, argued a change of plan was needed.", "Tom Ash"),
    ],
    ids=[
        "said-name-role",
        "said-who-clause",
        "says-org",
        "role-and-role",
        "said-and-added",
        "not-inverted",
    ],
)
def test_inverted_verbs_credit_the_phrase_after_them(text: str, speaker: str) -> None:
    assert credit(text) == [speaker]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Coach Ines Moreau told Radio Lisbon she was proud of the team.", "Coach Ines Moreau"),
        (
            "The ferry operator told the Evening Post it had cancelled ten crossings.",
            "the ferry operator",
        ),
        (
            "Engineer Tom Baines told researchers: \u201cThe dam was never tested.\u201d",
            "Engineer Tom Baines",
        ),
    ],
    ids=["told-outlet", "told-newspaper", "told-colon"],
)
def test_whom_someone_told_is_never_the_speaker(text: str, speaker: str) -> None:
    assert credit(text) == [speaker]


def test_the_addressee_is_not_carried_to_the_next_paragraph() -> None:
    text = (
        "Coach Ines Moreau told Radio Lisbon she was proud of the team.\n\n"
        "\u201cThey ran until they could not stand,\u201d she said."
    )
    assert credit(text) == ["Coach Ines Moreau", "Coach Ines Moreau"]


# --- "According to", with and without a comma ---


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            "Rents rose 9% last year, according to the Office for Housing Data.",
            "the Office for Housing Data",
        ),
        ("According to the port authority, 40 ships were delayed.", "the port authority"),
        (
            "According to a survey by market analysts the Brightwater Group nearly half of "
            "shoppers now pay by phone.",
            "a survey by market analysts the Brightwater Group",
        ),
        (
            "\u201cWe will rebuild,\u201d according to transport and planning adviser Ken Ito, "
            "who chairs the board.",
            "transport and planning adviser Ken Ito",
        ),
        ("Exports fell, according to Belgian customs officials.", "Belgian customs officials"),
        (
            "Turnout was low, according to a local official quoted by the Courier.",
            "a local official quoted by the Courier",
        ),
    ],
    ids=["comma", "opening", "no-comma", "role-with-and", "lower-case-plural", "quoted-by"],
)
def test_according_to(text: str, speaker: str) -> None:
    assert credit(text) == [speaker]


# --- Organisations, studies and statements ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Teenagers sleep less than ever, a new study shows.", ["a new study"]),
        (
            "New research from the Institute of Sleep (IOS) has found pupils sleep six hours.",
            ["new research from the Institute of Sleep"],
        ),
        (
            "Phone thefts doubled, a report from insurer Halden Mutual showed last month.",
            ["a report from insurer Halden Mutual"],
        ),
        (
            "The Meteorological Office warned of floods. In a statement, it said: "
            "\u201cRivers will peak on Friday.\u201d",
            ["the Meteorological Office", "the Meteorological Office"],
        ),
        ("The RSPB found that sparrows were returning.", ["the RSPB"]),
    ],
    ids=["study-shows", "research-has-found", "report-showed", "statement-it-said", "found-that"],
)
def test_organisations_studies_and_statements_speak(text: str, expected: list) -> None:
    assert credit(text) == expected


# --- Hedges credit nobody ---


@pytest.mark.parametrize(
    "text",
    [
        "It is understood that the club will appeal.",
        "It is thought that half the flats are empty.",
        "And it is believed the singer will tour again.",
        "The minister is said to be furious.",
        "The plant will close, it is reported.",
        "It is hoped the new bridge will open in spring.",
    ],
)
def test_hedges_credit_nobody(text: str) -> None:
    assert credit(text) == [None]


def test_people_in_general_and_counts_are_not_sources() -> None:
    text = (
        "People say the town has changed. A small number, 12%, said they would move. "
        "The remaining 40% said they would stay."
    )
    assert credit(text) == [None, None, None]


# --- Sentences are not cut inside names ---


def test_an_exclamation_mark_inside_a_name_does_not_end_the_sentence() -> None:
    text = "Ruth Amis of campaign group Act Now! said the vote was a victory. The hall emptied."
    assert credit(text) == ["Ruth Amis of campaign group Act Now!", None]


def test_a_question_before_its_speaker_stays_one_sentence() -> None:
    text = '"Why now?" the judge asked. The court rose.'
    assert credit(text) == ["the judge", None]


def test_a_first_word_is_lower_case_only_when_the_article_writes_it_so() -> None:
    text = (
        "Harbour pilot Jo Marr said the channel had silted up. The harbour is 300 years old. "
        "Tidewater chief Lin Ko said dredging would start soon."
    )
    assert credit(text) == ["harbour pilot Jo Marr", None, "Tidewater chief Lin Ko"]
