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

from sanctions_feed.schemas.source import Holder, RawListing, SourceMeta

from .framework.base import SanctionsSpider

URL = "https://gels-avoirs.dgtresor.gouv.fr/ApiPublic/api/v1/publication/derniere-publication-fichier-json"
RECORD_URL = "https://gels-avoirs.dgtresor.gouv.fr/Gels/RegistreDetail?idRegistre={}"
NATURES = {"personne physique": "individual", "personne morale": "entity", "navire": "vessel"}
PROSE_FIELDS = ("IDENTIFICATION", "MOTIFS")
EMPTY = {"", "/", "-"}
# Fields of a measure read elsewhere or deliberately left out (identity details, not addresses).
KNOWN_FIELDS = {"IDENTIFICATION", "MOTIFS", "FONDEMENT_JURIDIQUE", "PRENOM", "ALIAS", "SEXE", "TITRE",
                "DATE_DE_NAISSANCE", "LIEU_DE_NAISSANCE", "NATIONALITE", "PASSEPORT", "TELEPHONE", "MAIL",
                "SITE_INTERNET", "ADRESSE_PM", "ADRESSE_PP", "AUTRE_IDENTITE", "REFERENCE_UE", "REFERENCE_ONU",
                "NUMERO_OMI", "CARTE_IDENTITE"}


class FrTresorSpider(SanctionsSpider):
    name = "fr_tresor"
    sample = "fr_tresor.json"
    meta = SourceMeta(authority="France DG Trésor", title="Registre national des gels (asset freezes)",
                      url=URL, schedule="35 * * * *",
                      # 9 addresses in 2026 (Garantex, Grinex) among 6,212 measures.
                      expected_min=3, expected_max=2_000, sample_min=5, sample_max=100)
    custom_settings = {"DOWNLOAD_MAXSIZE": 512 * 1024**2, "DOWNLOAD_TIMEOUT": 600}

    async def start(self):
        yield self.document_request(self.source_url, callback=self.parse)

    def parse(self, response):
        yield from self.batched(self.parse_file(self.json_document(response), response.body, response.url))

    def parse_file(self, data, body: bytes, url: str):
        publication = data.get("Publications") if isinstance(data, dict) else None
        if not isinstance(publication, dict) or not isinstance(publication.get("PublicationDetail"), list) \
                or not publication["PublicationDetail"]:
            keys = sorted(data)[:5] if isinstance(data, dict) else type(data).__name__
            raise self.fail(url, f'expected {{"Publications": {{"PublicationDetail": [...]}}}}, found {keys}')
        try:
            listings = [item for measure in publication["PublicationDetail"] for item in self.parse_measure(measure)]
            published = publication.get("DatePublication")
            as_of = datetime.fromisoformat(published[:19]).date() if published else None
        except (ValueError, TypeError, AttributeError) as exc:
            raise self.fail(url, f"unreadable measure ({exc})") from None
        self.record_raw(body, url)
        yield from listings
        yield self.snapshot(url, as_of, len(listings))

    def parse_measure(self, measure: dict) -> list[dict]:
        measure = dict(measure)
        record_id = str(measure.pop("IdRegistre"))
        fields: dict[str, list] = {}
        for detail in measure.pop("RegistreDetail", None) or []:
            fields.setdefault(detail.get("TypeChamp"), []).extend(detail.get("Valeur") or [])
        self.audit(f"measure {record_id}", {k: v for k, v in fields.items() if k not in KNOWN_FIELDS})
        texts = [_prose(value) for name in PROSE_FIELDS for value in fields.get(name, [])]
        texts = [t for t in dict.fromkeys(texts) if t]
        nature = str(measure.pop("Nature", "") or "")
        name = " ".join(filter(None, [*(str(v.get("Prenom") or "").strip() for v in fields.get("PRENOM", [])),
                                      str(measure.pop("Nom", "") or "").strip()]))
        self.audit(f"measure {record_id}", measure)
        if not texts:
            return []
        programs = sorted({str(v.get("FondementJuridiqueLabel") or v.get("FondementJuridique") or "").strip()
                           for v in fields.get("FONDEMENT_JURIDIQUE", [])} - EMPTY)
        holder = Holder(name=name or None, type=NATURES.get(nature.lower(), nature.lower() or None))
        return [{"listing": RawListing(
            source=self.name, source_record_id=record_id, raw_address=text, prose=True, holder=holder,
            programs=programs, source_url=RECORD_URL.format(record_id),
        ).model_dump(mode="json")} for text in texts]


def _prose(value) -> str:
    """One IDENTIFICATION or MOTIFS value as text: its comment (often the label, or the whole
    text) and then its identification, leaving out the `/` that stands for nothing."""
    if isinstance(value, str):
        return value.strip()
    if not isinstance(value, dict):
        return ""
    parts = [str(value.get(key) or "").strip() for key in ("Commentaire", "Identification", "Motifs")]
    return "\n".join(p for p in parts if p not in EMPTY)
