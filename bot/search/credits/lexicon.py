"""Words that attribution reads: reporting verbs and their forms, titles, roles, organisations."""

from __future__ import annotations


def _forms(*lemmas: str) -> dict[str, str]:
    """Map each written form to its lemma; a lemma is `base/3rd person/past[/participle]`."""
    forms = {}
    for lemma in lemmas:
        base, *others = lemma.split("/")
        for form in (base, *others):
            forms[form] = base
    return forms


# Verbs that credit their subject whatever follows them ("X said", "X told Y", "X reports
# abuses", "X announced a festival"): what they take is what was said.
SPEECH = _forms(
    "say/says/said",
    "tell/tells/told",
    "describe/describes/described",
    "announce/announces/announced",
    "report/reports/reported",
    "reveal/reveals/revealed",
    "disclose/discloses/disclosed",
    "estimate/estimates/estimated",
    "forecast/forecasts/forecasted",
    "predict/predicts/predicted",
)
# Verbs that credit their subject only when a reported clause follows ("X added that…",
# "X admitted it was…", "…, X added.") so that "X added a second goal" or "X claimed the
# title" credit nobody.
CLAUSAL = _forms(
    "add/adds/added",
    "admit/admits/admitted",
    "acknowledge/acknowledges/acknowledged",
    "allege/alleges/alleged",
    "anticipate/anticipates/anticipated",
    "argue/argues/argued",
    "ask/asks/asked",
    "assert/asserts/asserted",
    "believe/believes/believed",
    "caution/cautions/cautioned",
    "claim/claims/claimed",
    "comment/comments/commented",
    "complain/complains/complained",
    "concede/concedes/conceded",
    "conclude/concludes/concluded",
    "confirm/confirms/confirmed",
    "contend/contends/contended",
    "declare/declares/declared",
    "deny/denies/denied",
    "emphasise/emphasises/emphasised",
    "emphasize/emphasizes/emphasized",
    "expect/expects/expected",
    "explain/explains/explained",
    "fear/fears/feared",
    "find/finds/found",
    "hope/hopes/hoped",
    "indicate/indicates/indicated",
    "insist/insists/insisted",
    "maintain/maintains/maintained",
    "note/notes/noted",
    "observe/observes/observed",
    "recall/recalls/recalled",
    "reckon/reckons/reckoned",
    "remember/remembers/remembered",
    "reply/replies/replied",
    "show/shows/showed/shown",
    "state/states/stated",
    "stress/stresses/stressed",
    "suggest/suggests/suggested",
    "think/thinks/thought",
    "warn/warns/warned",
    "write/writes/wrote/written",
)
REPORTING = {**CLAUSAL, **SPEECH}
# Verbs that may come before their speaker: "“…,” said the minister", "…, says Ms Ode".
INVERTIBLE = frozenset(
    "say says said add adds added ask asks asked explain explains explained insist insists "
    "insisted warn warns warned admit admits admitted claim claims claimed note notes noted "
    "reply replies replied argue argues argued write writes wrote continued continues".split()
)
# Forms that are also common nouns ("the report", "estimates show", "there are fears"):
# after a determiner they are nouns, never verbs.
NOUN_LIKE = frozenset(
    "report reports claim claims estimate estimates note notes state states stress stresses "
    "recall recalls fear fears hope hopes comment comments forecast forecasts show shows "
    "find finds reply replies ask asks".split()
)
# "The Observatory puts the figure at 50,000": a figure put by someone is theirs.
FIGURE_VERBS = frozenset({"put", "puts"})
FIGURE_NOUNS = frozenset("figure figures number toll total count estimate cost tally".split())
# Subjects whose claims are always reported ("a study shows", "research has found").
STUDY_NOUNS = frozenset(
    "study studies research report survey poll analysis review figures data statistics "
    "findings inquiry investigation audit paper census minutes document documents letter "
    "statement records test tests experiment experiments".split()
)
# Verbs of evidence: "the study shows", "the RAD found"; but "the pattern suggests" credits
# nobody, so their subject must be a name, a study, an organisation or a person.
EVIDENTIAL = frozenset(
    "show shows showed shown suggest suggests suggested indicate indicates indicated reveal "
    "reveals revealed find finds found conclude concludes concluded".split()
)

# Words between a speaker and the verb ("X has also said", "X later told").
SKIPPABLE = frozenset(
    "has have had also later earlier previously recently reportedly publicly once again then "
    "repeatedly often separately privately further now yesterday today would will could may "
    "did does do still always already originally initially subsequently".split()
)
# A subject ending in one of these makes the verb passive or not a claim ("it is believed",
# "he was told", "declined to say", "did not say").
PASSIVE = frozenset("is are was were be been being am to not never n't".split())
# A verb followed by one of these is a participle ("said to be", "told to leave").
NOT_AFTER_VERB = frozenset({"to", "by", "for"})  # "the trend predicted for this year"
AUXILIARIES = frozenset(
    "is are was were be been am will would can could should shall may might must has have had "
    "do does did 's 're 'd".split()
)
SUBJECT_PRONOUNS = frozenset({"he", "she", "it", "they"})
FIRST_PERSON = frozenset({"i", "we", "you"})
COORDINATORS = frozenset("and but or yet so nor".split())
# A reporting verb inside a clause opened by one of these is not the sentence's attribution
# ("shares fell after the firm said…", "a man who said…", "reports claiming that X said…").
SUBORDINATORS = frozenset(
    "when while after before because if although though since as unless until whereas where "
    "what how who which whom whose whether why that than once whenever wherever".split()
)
# Words that may open a clause before its subject and are dropped ("But X said", "Now X says").
OPENERS = frozenset(
    "and but or yet so also then now meanwhile however even still indeed instead nevertheless "
    "moreover furthermore separately similarly likewise elsewhere earlier later today "
    "yesterday tonight last finally thus".split()
)
TIME_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday mondays weekend week weeks month "
    "months year years day days morning afternoon evening night time the a this that last next "
    "earlier later early late recently january february march april may june july august "
    "september october november december jan feb mar apr jun jul aug sep sept oct nov dec "
    "christmas easter today yesterday tonight recent past previous first same one two three "
    "on in at during since by of".split()
)
PREPOSITIONS = frozenset(
    "on in at during since by for from with about into onto over under after before of to "
    "against among between through across toward towards within without upon".split()
)
DETERMINERS = frozenset(
    "the a an one two three four five six several many some another other this these those "
    "its his her their our each every both any".split()
)
# Nouns that name nobody in particular: "people say…" credits nobody.
GENERIC = frozenset(
    "people some many others other most few everyone everybody someone somebody anyone "
    "anybody nobody none all one this that these those they there".split()
)
# Heads that count people rather than name them: "a small number said", "the majority say".
QUANTITIES = frozenset(
    "number numbers proportion majority minority half third quarter rest remainder percent "
    "per cent".split()
)
# Names are joined by these lower-case words: "Staffan de Mistura", "Lloyds of London".
NAME_PARTICLES = frozenset("de du da di van von der den del la le bin al ibn of".split())
TITLES = {
    "mr": "m",
    "sir": "m",
    "lord": "m",
    "king": "m",
    "prince": "m",
    "mrs": "f",
    "ms": "f",
    "miss": "f",
    "dame": "f",
    "lady": "f",
    "queen": "f",
    "princess": "f",
    "dr": "",
    "prof": "",
    "professor": "",
    "rev": "",
    "president": "",
    "senator": "",
    "judge": "",
    "gen": "",
    "general": "",
    "col": "",
    "capt": "",
    "captain": "",
    "chancellor": "",
    "minister": "",
}
GENDERED = {
    "he": "m",
    "his": "m",
    "him": "m",
    "she": "f",
    "her": "f",
    "spokesman": "m",
    "chairman": "m",
    "man": "m",
    "father": "m",
    "son": "m",
    "spokeswoman": "f",
    "chairwoman": "f",
    "woman": "f",
    "mother": "f",
    "daughter": "f",
}
# Nouns that make a phrase a person ("dance teacher Eve Trew", "a spokesman for the RAD").
ROLES = frozenset(
    "spokesman spokeswoman spokesperson chairman chairwoman chair chief head director "
    "manager minister secretary president officer executive analyst economist expert teacher "
    "keeper coach player captain striker singer actor actress writer author lawyer barrister "
    "judge official professor researcher scientist doctor nurse mp mep leader founder "
    "co-founder owner partner strategist consultant adviser advisor envoy ambassador "
    "commissioner governor mayor senator reporter correspondent editor journalist boss "
    "champion woman man mother father son daughter student campaigner chancellor "
    "inspector detective superintendent constable sergeant surgeon engineer designer "
    "producer director-general general colonel captain diplomat negotiator trader "
    "broker banker investor".split()
)
# Nouns that make a phrase an organisation or a document ("it said" can point to them).
ORGANISATIONS = frozenset(
    "government ministry department office council company firm group bank association "
    "agency authority authorities organisation organization institute institution university "
    "college school academy party club union committee commission federation court police "
    "army navy board fund foundation trust society corporation corp inc ltd plc airline "
    "airways maker makers retailer manufacturer insurer reinsurer insurers broadcaster "
    "network newspaper paper magazine channel website agency service services league team "
    "coalition alliance campaign charity watchdog regulator industry exchange centre center "
    "unit bureau administration parliament assembly senate congress cabinet embassy consortium "
    "studio studios label records publisher operator provider consultancy".split()
    + sorted(STUDY_NOUNS)
)
# Lower-case plural heads that stand for a group of speakers ("analysts said").
PLURAL_PEOPLE = frozenset(
    "analysts officials experts researchers sources critics economists scientists doctors "
    "witnesses residents campaigners ministers police investigators observers diplomats "
    "insurers traders investors lawyers activists organisers organizers organisers players "
    "fans managers executives bosses leaders authorities officers teachers parents "
    "students workers unions members mps".split()
)
