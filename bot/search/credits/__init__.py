"""Credits: whom an article credits for each of its sentences, read pattern by pattern.

Pure text work on one article at a time, no network and no Telegram. The modules, in the
order a sentence meets them:

- `lexicon`: reporting verbs and their tenses, titles, roles, organisations, hedges.
- `quotes`: quotation marks of any kind, their depths, and quotations that carry on others
  (`quote_openings` is what the index build reads).
- `phrases`: a sentence's words, the noun phrases that name someone, whom it is about.
- `speakers`: the attributions inside one sentence ("according to X", "X said", "“…,” said X").
- `resolve`: pronouns and quotations across sentences; the entry point `attribute`.
- `languages`: the articles of other languages than English, with each language's forms
  ("laut X", "según X", "по словам X", "وفقا لـ X", "X'e göre"); `attribute_in(code)`.

When unsure, nobody is credited: a wrong credit is worse than none.
"""

from .languages import attribute as attribute_other
from .quotes import quote_openings
from .resolve import Credit, attribute

__all__ = ["Credit", "attribute", "attribute_other", "quote_openings"]
