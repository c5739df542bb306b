"""pretix's translated texts (``{"en": "Dinner", "de": "Abendessen"}``) in one language, picked
the way pretix's ``LazyI18nString.localize`` picks, so that a column per language shows what
pretix shows: the language's own text, else that of its base language (``de`` for
``de-informal``), else of a regional variant, else English, else the first text there is.

The store keeps a plain text beside the translations (the one in the event's language); it
stands in where no translations were stored (demo data, pretix's JSON export)."""

# pretix's default language (its LANGUAGE_CODE), the fallback of every translation.
DEFAULT_LANGUAGE = "en"


def localize(texts: dict | None, language: str, plain: str = "") -> str:
    if not isinstance(texts, dict) or not texts:
        return plain
    if texts.get(language):
        return texts[language]
    base = language.split("-")[0]
    if texts.get(base):
        return texts[base]
    for code, text in texts.items():
        if code != language and (code == base or code.startswith(base + "-")) and text:
            return text
    if texts.get(DEFAULT_LANGUAGE):
        return texts[DEFAULT_LANGUAGE]
    return next((text for text in texts.values() if text), "")


def event_languages(event) -> list[str]:
    """The event's languages in its order; pretix's default is English alone."""
    return list(event.locales or []) or [DEFAULT_LANGUAGE]


def export_language(event) -> str:
    """The language pretix writes the event's exports in: the event's default language."""
    return event.locale or DEFAULT_LANGUAGE
