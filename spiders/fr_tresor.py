"""France, DG Trésor: the national register of asset freezes ("registre national des gels"), JSON.

The register names crypto addresses in free text, in `RegistreDetail` entries of `TypeChamp`
IDENTIFICATION: in `Valeur[].Identification` and/or `Valeur[].Commentaire` (either may be `/`),
next to registration and tax numbers. Each value, and the statement of reasons (MOTIFS), goes to
the normalize step as prose. A full snapshot: a measure that disappears is delisted. The server
refuses a request without a User-Agent (Scrapy always sends ours). Local replay: the JSON file.

Record id: `IdRegistre`. Programs: the legal bases (FONDEMENT_JURIDIQUE). Listed on: none in the
register (it gives the legal act, not a designation date). Link: the measure's page on the site.
"""

from __future__ import annotations

from datetime import datetime

from sanctions_feed.schemas.authorities import AUTHORITIES
from sanctions_feed.schemas.source import Holder, RawListing, SourceMeta

from .framework.base import rejected_item
from .framework.download import Document
from .framework.onefile import OneFileSpider

FILE_ENDPOINT, DATE_ENDPOINT = "derniere-publication-fichier-json", "derniere-publication-date"
URL = f"https://gels-avoirs.dgtresor.gouv.fr/ApiPublic/api/v1/publication/{FILE_ENDPOINT}"
RECORD_URL = "https://gels-avoirs.dgtresor.gouv.fr/Gels/RegistreDetail?idRegistre={}"
NATURES = {"personne physique": "individual", "personne morale": "entity", "navire": "vessel"}
PROSE_FIELDS = ("IDENTIFICATION", "MOTIFS")
EMPTY = {"", "/", "-"}
TEXT_ORDER = {"Commentaire": 0, "Identification": 1}
# Fields of a measure read elsewhere or deliberately left out (identity details, not addresses).
KNOWN_FIELDS = {"IDENTIFICATION", "MOTIFS", "FONDEMENT_JURIDIQUE", "PRENOM", "ALIAS", "SEXE", "TITRE",
                "DATE_DE_NAISSANCE", "LIEU_DE_NAISSANCE", "NATIONALITE", "PASSEPORT", "TELEPHONE", "MAIL",
                "SITE_INTERNET", "ADRESSE_PM", "ADRESSE_PP", "AUTRE_IDENTITE", "REFERENCE_UE", "REFERENCE_ONU",
                "NUMERO_OMI", "CARTE_IDENTITE"}


class FrTresorSpider(OneFileSpider):
    name = "fr_tresor"
    sample = "fr_tresor.json"
    document_kind = "JSON"
    meta = SourceMeta(authority=AUTHORITIES["fr_tresor"].name, title="Registre national des gels (asset freezes)",
                      url=URL, schedule="12-59/20 * * * *",
                      # 9 addresses in 2026 (Garantex, Grinex) among 6,212 measures.
                      expected_min=3, expected_max=2_000, sample_min=5, sample_max=100)

    def signal_url(self, url: str) -> str | None:
        """DG Trésor's `derniere-publication-date`: the date of the latest publication, alone."""
        return url[: -len(FILE_ENDPOINT)] + DATE_ENDPOINT if url.endswith(FILE_ENDPOINT) else None

    def parse_file(self, document: Document, url: str):
        data = self.parse_json(document.read(), url)
        publication = data.get("Publications") if isinstance(data, dict) else None
        measures = publication.get("PublicationDetail") if isinstance(publication, dict) else None
        if not isinstance(publication, dict) or not isinstance(measures, list) or not measures:
            keys = sorted(data)[:5] if isinstance(data, dict) else type(data).__name__
            raise self.fail(url, f'expected {{"Publications": {{"PublicationDetail": [...]}}}}, found {keys}')
        published = publication.get("DatePublication")
        try:
            as_of = datetime.fromisoformat(str(published)[:19]).date() if published else None
        except ValueError:
            raise self.fail(url, f"unreadable DatePublication {published!r}") from None
        items = [item for measure in measures for item in self.parse_measure(measure)]
        yield from items
        yield self.snapshot(url, as_of, len(items))

    def parse_measure(self, measure) -> list[dict]:
        """The prose listings of one measure; a measure we cannot read is a rejected record."""
        record_id = str(measure.get("IdRegistre") or "") if isinstance(measure, dict) else ""
        if not record_id:
            return [rejected_item(self.name, None, "a measure without an IdRegistre", measure)]
        measure = dict(measure)
        del measure["IdRegistre"]
        fields: dict[str, list] = {}
        for detail in measure.pop("RegistreDetail", None) or []:
            if not isinstance(detail, dict):
                return [rejected_item(self.name, record_id, f"a RegistreDetail entry is not an object ({detail!r})", measure)]
            values = detail.get("Valeur")
            fields.setdefault(str(detail.get("TypeChamp")), []).extend(values if isinstance(values, list) else [values])
        self.audit(f"measure {record_id}", {k: v for k, v in fields.items() if k not in KNOWN_FIELDS})
        texts = [t for t in dict.fromkeys(_text(value) for name in PROSE_FIELDS for value in fields.get(name, [])) if t]
        nature = str(measure.pop("Nature", "") or "")
        first_names = [_text(v) for v in fields.get("PRENOM", [])]
        name = " ".join(filter(None, [*first_names, str(measure.pop("Nom", "") or "").strip()]))
        self.audit(f"measure {record_id}", measure)
        if not texts:
            return []
        programs = sorted({_field(v, "FondementJuridiqueLabel") for v in fields.get("FONDEMENT_JURIDIQUE", [])} - EMPTY)
        holder = Holder(name=name or None, type=NATURES.get(nature.lower(), nature.lower() or None))
        return [{"listing": RawListing(
            source=self.name, source_record_id=record_id, raw_address=text, prose=True, holder=holder,
            programs=programs, source_url=RECORD_URL.format(record_id),
            reason=" / ".join(filter(None, (_text(v) for v in fields.get("MOTIFS", [])))) or None,
        ).model_dump(mode="json")} for text in texts]


def _text(value) -> str:
    """A `Valeur` entry as text: an object's Commentaire (often the label, or the whole text),
    then its Identification, then any other value it holds, without the `/` that stands for
    nothing. Nothing the entry holds is left unread."""
    if value is None:
        return ""
    if not isinstance(value, dict):
        return str(value).strip()
    ordered = sorted(value.items(), key=lambda item: TEXT_ORDER.get(item[0], len(TEXT_ORDER)))
    parts = [str(v).strip() for _, v in ordered if v is not None and not isinstance(v, (dict, list))]
    return "\n".join(p for p in parts if p not in EMPTY)


def _field(value, key: str) -> str:
    """One named field of a `Valeur` entry, or the whole entry as text when it lacks it."""
    return str(value.get(key) or "").strip() if isinstance(value, dict) and value.get(key) else _text(value)
