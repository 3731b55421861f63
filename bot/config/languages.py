"""The languages a config may declare besides English, and the Snowball stemmer of each.

Config validation checks language codes against this table and the router
builds its stemmers from it, so both read the one list.
"""

from __future__ import annotations

SNOWBALL_LANGUAGES: dict[str, str] = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "de": "german",
    "pt": "portuguese",
    "it": "italian",
    "nl": "dutch",
}
