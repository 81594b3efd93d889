"""sceau's French detectors as Presidio recognizers: the optional extra ``sceau[presidio]``.

Presidio users get sceau's checks, not a second copy of them: every recognizer keeps its family's
spans from :func:`sceau.detect.freetext.find_spans` (the embeddable detectors' patterns and
validators, and the health lexicon). A health result names its category (``HIV``,
``PREGNANCY``…) in ``recognition_metadata``, never the word it covers: that word is health data.

The module imports without Presidio, so that sceau does; its functions raise
:class:`~sceau.errors.SceauError` until the extra is installed. Documented in docs/detectors.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sceau.detect.base import Category, HealthCategory
from sceau.detect.freetext import Span, embeddable_detectors, find_spans
from sceau.errors import SceauError

try:
    from presidio_analyzer import (
        AnalysisExplanation,
        AnalyzerEngine,
        EntityRecognizer,
        RecognizerRegistry,
        RecognizerResult,
    )
    from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngineProvider
except ImportError:  # the extra is missing: the module still imports, its functions refuse
    EntityRecognizer = object  # type: ignore[assignment,misc]
    _PRESIDIO = False
else:
    _PRESIDIO = True

__all__ = ["ENTITIES", "MODEL", "SceauRecognizer", "french_analyzer", "recognizers", "register"]

_HINT = "pip install 'sceau[presidio]'"
MODEL = "fr_core_news_sm"
_HEALTH_LANGUAGES = frozenset({"fr"})  # the health lexicon is French


@dataclass(frozen=True)
class _Family:
    """One Presidio entity: its score says how far sceau's validation vouches for a match."""

    entity: str
    score: float
    check: str  # what the match passed, for the analysis explanation
    context: tuple[str, ...] = ()


_IDENTIFIERS: dict[Category, _Family] = {
    Category.NIR: _Family("FR_NIR", 1.0, "NIR structure and mod-97 key"),
    Category.IBAN: _Family("IBAN_CODE", 1.0, "ISO 13616 country structure and mod-97 check"),
    Category.EMAIL: _Family(
        "EMAIL_ADDRESS", 0.85, "RFC 5321 lengths", ("mail", "courriel", "email", "adresse")
    ),
    Category.PHONE: _Family(
        "FR_PHONE_NUMBER",
        0.7,
        "French numbering plan",
        ("tél", "tel", "téléphone", "portable", "mobile", "fixe", "phone", "telephone"),
    ),
}
_HEALTH = _Family("FR_HEALTH", 0.8, "sceau health lexicon (French)")
ENTITIES: tuple[str, ...] = (*(f.entity for f in _IDENTIFIERS.values()), _HEALTH.entity)


def _family(category: Category) -> _Family:
    """A plug-in's embeddable category gets a generic entity and a modest score."""
    return _IDENTIFIERS.get(category) or _Family(f"SCEAU_{category}", 0.5, "sceau detector")


def _require() -> None:
    if not _PRESIDIO:
        raise SceauError("Presidio is not installed", hint=_HINT, where="sceau.detect.presidio")


class SceauRecognizer(EntityRecognizer):
    """One family of sceau findings as one Presidio entity, for one language.

    ``category`` is the identifier category kept, or None for every health category.
    """

    def __init__(self, family: _Family, category: Category | None, language: str) -> None:
        _require()
        self.family, self.category = family, category
        super().__init__(
            supported_entities=[family.entity],
            name=f"sceau.{family.entity}",
            supported_language=language,
            context=list(family.context),
        )

    def load(self) -> None:
        """Nothing to load: the patterns and the lexicon are sceau's, compiled on first use."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Results of this family, with the rule that found each; never the matched text."""
        if entities and self.family.entity not in entities:
            return []
        spans = _spans(text, nlp_artifacts)
        if self.category is None:
            health = [span for span in spans if isinstance(span.category, HealthCategory)]
            return [self._result(span, inside) for span, inside in _outermost(health)]
        return [self._result(span, ()) for span in spans if span.category == self.category]

    def _result(self, span: Span, inside: Iterable[HealthCategory]) -> RecognizerResult:
        metadata: dict[str, object] = {
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        }
        explanation, rule = f"sceau: {self.family.check}", span.source
        if isinstance(span.category, HealthCategory):
            # the category only: a lexicon id ("HIV.vih") would spell the word out
            found = set(inside) | {span.category}
            rule = span.category.value
            metadata["health_category"] = rule
            metadata["health_categories"] = [c.value for c in HealthCategory if c in found]
            explanation += f", category {rule}"
        else:
            metadata["sceau_detector"] = rule
        return RecognizerResult(
            entity_type=self.family.entity,
            start=span.start,
            end=span.end,
            score=self.family.score,
            analysis_explanation=AnalysisExplanation(
                recognizer=self.name,
                original_score=self.family.score,
                pattern_name=rule,
                validation_result=True if self.category is not None else None,
                textual_explanation=explanation,
            ),
            recognition_metadata=metadata,
        )


# The engine hands every recognizer the same artifacts for one text: one find_spans per analysis,
# forgotten with the artifacts.
_PER_ANALYSIS: WeakKeyDictionary[object, tuple[str, list[Span]]] = WeakKeyDictionary()


def _spans(text: str, nlp_artifacts: object | None) -> list[Span]:
    if nlp_artifacts is None:
        return find_spans(text)
    cached = _PER_ANALYSIS.get(nlp_artifacts)
    if cached is None or cached[0] is not text:
        cached = (text, find_spans(text))
        _PER_ANALYSIS[nlp_artifacts] = cached
    return cached[1]


def _outermost(spans: list[Span]) -> list[tuple[Span, set[HealthCategory]]]:
    """Spans not inside another, each with the categories of the spans inside it.

    Presidio drops a result lying inside another of the same entity; folding it in first keeps
    its category ("cancer" inside "cancer du sein").
    """
    groups: list[tuple[Span, set[HealthCategory]]] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if groups and span.end <= groups[-1][0].end:
            groups[-1][1].add(span.category)  # type: ignore[arg-type]
        else:
            groups.append((span, {span.category}))  # type: ignore[arg-type]
    return groups


def recognizers(languages: Iterable[str] | str = ("fr",)) -> list[EntityRecognizer]:
    """One recognizer per sceau text family and language; FR_HEALTH for French only."""
    _require()
    wanted = [languages] if isinstance(languages, str) else list(dict.fromkeys(languages))
    if not wanted:
        raise SceauError("no language given", hint='pass languages=("fr",) or ("fr", "en")')
    categories = dict.fromkeys(detector.category for detector in embeddable_detectors())
    result: list[EntityRecognizer] = []
    for language in wanted:
        result += [SceauRecognizer(_family(c), c, language) for c in categories]
        if language in _HEALTH_LANGUAGES:
            result.append(SceauRecognizer(_HEALTH, None, language))
    return result


def register(target: RecognizerRegistry | AnalyzerEngine) -> list[EntityRecognizer]:
    """Add sceau's recognizers to a registry (or an analyzer's) for the languages it supports.

    Those already there (same name and language) are not added twice; returns the ones added.
    """
    _require()
    registry = target.registry if isinstance(target, AnalyzerEngine) else target
    if not isinstance(registry, RecognizerRegistry):
        raise SceauError(
            "register() needs a Presidio RecognizerRegistry or AnalyzerEngine",
            hint="pass analyzer.registry or the analyzer itself",
        )
    present = {(r.name, r.supported_language) for r in registry.recognizers}
    added = [
        recognizer
        for recognizer in recognizers(registry.supported_languages)
        if (recognizer.name, recognizer.supported_language) not in present
    ]
    for recognizer in added:
        registry.add_recognizer(recognizer)
    return added


def french_analyzer(model: str = MODEL) -> AnalyzerEngine:
    """A Presidio AnalyzerEngine for French text with sceau's recognizers, built offline.

    Presidio's default configuration loads ``en_core_web_lg`` and downloads a missing model; this
    one loads an installed French spaCy model or refuses. Presidio's own e-mail and IBAN
    recognizers give way to sceau's (the e-mail one also fetches a suffix list from the network).
    """
    _require()
    import spacy.util

    if not spacy.util.is_package(model):
        raise SceauError(
            f"the spaCy model {model} is not installed, and sceau does not download models",
            hint=f"{_HINT} (it brings {MODEL}), or pip install the model's package",
        )
    nlp_engine = NlpEngineProvider(nlp_configuration=_nlp_configuration(model)).create_engine()
    registry = RecognizerRegistry(supported_languages=["fr"])
    registry.load_predefined_recognizers(nlp_engine=nlp_engine, languages=["fr"])
    ours = {family.entity for family in _IDENTIFIERS.values()}
    for recognizer in list(registry.recognizers):
        if set(recognizer.supported_entities) <= ours:
            registry.remove_recognizer(recognizer.name, recognizer.supported_language)
    register(registry)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["fr"])


def _nlp_configuration(model: str) -> dict[str, object]:
    """spaCy's French labels mapped explicitly: MISC and ORG (noisy in the small model) ignored."""
    return {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "fr", "model_name": model}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": {
                "PER": "PERSON",
                "LOC": "LOCATION",
                "ORG": "ORGANIZATION",
            },
            "labels_to_ignore": ["MISC", "ORG"],
        },
    }
