"""Header evidence: what a column's name says about its category and whose data it holds.

French lab software names columns tersely (NOM_PAT, DDN, N_SS, TEL1, MP), English exports in
snake case (last_name, dob), FHIR by JSON path (``name[0].family``) and HL7 by field
(``PID-5.1``). A header is cut into accent-free lower-case tokens, then looked up in phrase
tables; longer phrases are more specific and win over single words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sceau.detect.base import Category, Subject

C = Category

# phrase (space-separated tokens) -> (category, weight). Weight 1.0: the name alone is enough;
# below: the values must agree.
_PHRASES: dict[str, tuple[Category, float]] = {
    # national identifiers
    "nir": (C.NIR, 1.0),
    "ss": (C.NIR, 0.9),
    "secu": (C.NIR, 0.9),
    "securite sociale": (C.NIR, 1.0),
    "num secu": (C.NIR, 1.0),
    "insee": (C.NIR, 0.9),
    "ssn": (C.NIR, 1.0),
    "social security": (C.NIR, 1.0),
    "matricule": (C.NIR, 0.6),
    "ins": (C.INS, 1.0),
    "matricule ins": (C.INS, 1.0),
    "ins nir": (C.INS, 1.0),
    # names
    "nom": (C.PERSON_NAME, 0.8),
    "prenom": (C.PERSON_NAME, 1.0),
    "prenoms": (C.PERSON_NAME, 1.0),
    "nom naissance": (C.PERSON_NAME, 1.0),
    "nom de naissance": (C.PERSON_NAME, 1.0),
    "nom usage": (C.PERSON_NAME, 1.0),
    "nom marital": (C.PERSON_NAME, 1.0),
    "name": (C.PERSON_NAME, 0.7),
    "last name": (C.PERSON_NAME, 1.0),
    "first name": (C.PERSON_NAME, 1.0),
    "lastname": (C.PERSON_NAME, 1.0),
    "firstname": (C.PERSON_NAME, 1.0),
    "surname": (C.PERSON_NAME, 1.0),
    "family": (C.PERSON_NAME, 0.9),
    "given": (C.PERSON_NAME, 0.9),
    "full name": (C.PERSON_NAME, 1.0),
    # sex
    "sexe": (C.SEX, 1.0),
    "sex": (C.SEX, 1.0),
    "gender": (C.SEX, 1.0),
    "genre": (C.SEX, 0.9),
    "civilite": (C.SEX, 0.7),
    # address
    "adresse": (C.ADDRESS, 1.0),
    "adr": (C.ADDRESS, 0.9),
    "address": (C.ADDRESS, 1.0),
    "addr": (C.ADDRESS, 0.9),
    "rue": (C.ADDRESS, 0.8),
    "street": (C.ADDRESS, 1.0),
    "voie": (C.ADDRESS, 0.8),
    "line": (C.ADDRESS, 0.6),
    "cp": (C.POSTCODE, 0.9),
    "code postal": (C.POSTCODE, 1.0),
    "postal code": (C.POSTCODE, 1.0),
    "postalcode": (C.POSTCODE, 1.0),
    "zip": (C.POSTCODE, 1.0),
    "zipcode": (C.POSTCODE, 1.0),
    "postcode": (C.POSTCODE, 1.0),
    "ville": (C.CITY, 1.0),
    "commune": (C.CITY, 1.0),
    "localite": (C.CITY, 1.0),
    "city": (C.CITY, 1.0),
    "town": (C.CITY, 1.0),
    # contact
    "tel": (C.PHONE, 1.0),
    "telephone": (C.PHONE, 1.0),
    "portable": (C.PHONE, 0.9),
    "mobile": (C.PHONE, 0.9),
    "gsm": (C.PHONE, 0.9),
    "phone": (C.PHONE, 1.0),
    "fax": (C.PHONE, 0.8),
    "telecom": (C.PHONE, 0.5),
    "mail": (C.EMAIL, 1.0),
    "email": (C.EMAIL, 1.0),
    "e mail": (C.EMAIL, 1.0),
    "courriel": (C.EMAIL, 1.0),
    # dates
    "ddn": (C.BIRTH_DATE, 1.0),
    "naissance": (C.BIRTH_DATE, 0.9),
    "date naissance": (C.BIRTH_DATE, 1.0),
    "date de naissance": (C.BIRTH_DATE, 1.0),
    "dob": (C.BIRTH_DATE, 1.0),
    "birth": (C.BIRTH_DATE, 0.9),
    "birthdate": (C.BIRTH_DATE, 1.0),
    "birth date": (C.BIRTH_DATE, 1.0),
    "date of birth": (C.BIRTH_DATE, 1.0),
    "date": (C.DATE, 0.8),
    "dt": (C.DATE, 0.7),
    "le": (C.DATE, 0.3),
    "visite": (C.DATE, 0.6),
    "visit": (C.DATE, 0.6),
    "prelevement": (C.DATE, 0.3),
    "datetime": (C.DATE, 0.9),
    "effective": (C.DATE, 0.5),
    # free text
    "commentaire": (C.FREE_TEXT, 1.0),
    "commentaires": (C.FREE_TEXT, 1.0),
    "comment": (C.FREE_TEXT, 1.0),
    "comments": (C.FREE_TEXT, 1.0),
    "com": (C.FREE_TEXT, 0.7),
    "remarque": (C.FREE_TEXT, 1.0),
    "remarques": (C.FREE_TEXT, 1.0),
    "observation": (C.FREE_TEXT, 0.9),
    "observations": (C.FREE_TEXT, 0.9),
    "obs": (C.FREE_TEXT, 0.7),
    "note": (C.FREE_TEXT, 1.0),
    "notes": (C.FREE_TEXT, 1.0),
    "text": (C.FREE_TEXT, 0.8),
    "texte": (C.FREE_TEXT, 0.8),
    "renseignements cliniques": (C.HEALTH_TEXT, 1.0),
    "clinique": (C.FREE_TEXT, 0.8),
    "clinical": (C.FREE_TEXT, 0.8),
    "diagnostic": (C.HEALTH_TEXT, 1.0),
    "pathologie": (C.HEALTH_TEXT, 1.0),
    "antecedents": (C.HEALTH_TEXT, 1.0),
    "traitement": (C.HEALTH_TEXT, 1.0),
    # practitioners, labs, insurers
    "rpps": (C.PRACTITIONER_ID, 1.0),
    "adeli": (C.PRACTITIONER_ID, 1.0),
    "finess": (C.FINESS, 1.0),
    "amc": (C.INSURER_ID, 1.0),
    "tp": (C.INSURER_ID, 0.7),
    "tiers payant": (C.INSURER_ID, 0.9),
    "num mutuelle": (C.INSURER_ID, 0.9),
    "organisme": (C.INSURER_ID, 0.6),
    # credentials
    "login": (C.LOGIN, 1.0),
    "identifiant": (C.LOGIN, 0.7),
    "username": (C.LOGIN, 1.0),
    "user": (C.LOGIN, 0.6),
    "utilisateur": (C.LOGIN, 0.8),
    "mp": (C.PASSWORD, 0.8),
    "mdp": (C.PASSWORD, 1.0),
    "mot de passe": (C.PASSWORD, 1.0),
    "password": (C.PASSWORD, 1.0),
    "passwd": (C.PASSWORD, 1.0),
    "pwd": (C.PASSWORD, 1.0),
    "pass": (C.PASSWORD, 0.8),
    "password hash": (C.PASSWORD_HASH, 1.0),
    "pwd hash": (C.PASSWORD_HASH, 1.0),
    "hash": (C.PASSWORD_HASH, 0.9),
    "empreinte": (C.PASSWORD_HASH, 0.7),
    # bank
    "iban": (C.IBAN, 1.0),
    "rib": (C.IBAN, 0.9),
    # record ids
    "id": (C.RECORD_ID, 0.6),
    "ipp": (C.RECORD_ID, 1.0),
    "dossier": (C.RECORD_ID, 0.8),
    "num dossier": (C.RECORD_ID, 1.0),
    "no dossier": (C.RECORD_ID, 1.0),
    "record": (C.RECORD_ID, 0.8),
    "identifier": (C.RECORD_ID, 0.5),
    "reference": (C.RECORD_ID, 0.5),
    "patient id": (C.RECORD_ID, 1.0),
    "nda": (C.RECORD_ID, 0.9),
    # technical
    "resource type": (C.OTHER, 1.0),
    "system": (C.OTHER, 0.7),
    "code": (C.OTHER, 0.5),
    "message": (C.OTHER, 0.5),
}

_SUBJECTS: dict[str, Subject] = {
    **dict.fromkeys(("pat", "patient", "assure", "beneficiaire"), Subject.PATIENT),
    **dict.fromkeys(
        (
            "med",
            "medecin",
            "prescripteur",
            "presc",
            "doctor",
            "dr",
            "practitioner",
            "prescriber",
            "rpps",
            "adeli",
        ),
        Subject.PRACTITIONER,
    ),
    **dict.fromkeys(
        ("prel", "preleveur", "sampler", "infirmier", "infirmiere", "ide", "nurse"),
        Subject.SAMPLER,
    ),
    **dict.fromkeys(
        ("mut", "mutuelle", "amc", "insurer", "insurance", "assureur", "organisme", "tp"),
        Subject.INSURER,
    ),
    **dict.fromkeys(("labo", "laboratoire", "lab", "finess"), Subject.LAB),
}

# HL7 v2 fields (segment-field[.component]) with a fixed meaning; the most specific key wins.
_HL7_FIELDS: dict[str, tuple[Category, Subject]] = {
    "PID-3": (C.RECORD_ID, Subject.PATIENT),
    "PID-2": (C.RECORD_ID, Subject.PATIENT),
    "PID-5": (C.PERSON_NAME, Subject.PATIENT),
    "PID-6": (C.PERSON_NAME, Subject.PATIENT),
    "PID-7": (C.BIRTH_DATE, Subject.PATIENT),
    "PID-8": (C.SEX, Subject.PATIENT),
    "PID-11": (C.ADDRESS, Subject.PATIENT),
    "PID-11.4": (C.OTHER, Subject.UNKNOWN),  # state or province
    "PID-11.6": (C.OTHER, Subject.UNKNOWN),  # country
    "PID-11.7": (C.OTHER, Subject.UNKNOWN),  # address type
    "PID-11.3": (C.CITY, Subject.PATIENT),
    "PID-11.5": (C.POSTCODE, Subject.PATIENT),
    "PID-13": (C.PHONE, Subject.PATIENT),
    "PID-14": (C.PHONE, Subject.PATIENT),
    "PID-19": (C.NIR, Subject.PATIENT),
    "OBR-16.1": (C.PRACTITIONER_ID, Subject.PRACTITIONER),
    "OBR-16": (C.PERSON_NAME, Subject.PRACTITIONER),
    "ORC-12.1": (C.PRACTITIONER_ID, Subject.PRACTITIONER),
    "ORC-12": (C.PERSON_NAME, Subject.PRACTITIONER),
    "NTE-3": (C.FREE_TEXT, Subject.PATIENT),
    "OBX-7": (C.OTHER, Subject.UNKNOWN),
}
_HL7_NAME = re.compile(r"^([A-Z][A-Z0-9]{2})-(\d+)(?:\.(\d+))?$")
_MAX_PHRASE = max(len(p.split()) for p in _PHRASES)


@dataclass(frozen=True)
class HeaderHint:
    """What a header says: a category (or None) with a weight, whose data, and why."""

    category: Category | None
    weight: float
    subject: Subject | None
    reason: str  # e.g. "header token 'ddn'" — a header is a name, never a data value


def tokens(header: str) -> list[str]:
    """``"DT_DERN_VisiteDate1"`` -> ``["dt", "dern", "visite", "date", "1"]``."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", header)
    text = re.sub(r"([A-Za-z])(\d)|(\d)([A-Za-z])", r"\1\3 \2\4", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return [t for t in re.split(r"[^a-z0-9]+", text) if t]


def is_generated_name(header: str) -> bool:
    """Whether the reader invented the name (a file without header row): it says nothing."""
    return re.fullmatch(r"column_\d+", header) is not None


def read_header(header: str) -> HeaderHint:
    """The header's evidence. FHIR paths are read from their last step, HL7 fields by table."""
    hl7 = _HL7_NAME.match(header)
    if hl7:
        segment, field, component = hl7.groups()
        for key in (f"{segment}-{field}.{component}", f"{segment}-{field}"):
            if key in _HL7_FIELDS:
                category, subject = _HL7_FIELDS[key]
                return HeaderHint(category, 1.0, subject, f"HL7 field {key}")
        return HeaderHint(None, 0.0, None, "")
    if is_generated_name(header):
        return HeaderHint(None, 0.0, None, "")
    all_tokens = tokens(header)
    last_step = tokens(re.sub(r"\[\d+\]", "", header).rsplit(".", 1)[-1])
    category, weight, reason = _best_phrase(last_step) or _best_phrase(all_tokens) or (None, 0, "")
    subject = next((_SUBJECTS[t] for t in all_tokens if t in _SUBJECTS), None)
    return HeaderHint(category, weight, subject, reason)


def _best_phrase(words: list[str]) -> tuple[Category, float, str] | None:
    """The longest known phrase among the header's words (ties: the heaviest, then the first)."""
    best: tuple[int, float, Category, str] | None = None
    for size in range(min(_MAX_PHRASE, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            phrase = " ".join(words[start : start + size])
            if phrase in _PHRASES:
                category, weight = _PHRASES[phrase]
                if best is None or (size, weight) > (best[0], best[1]):
                    best = (size, weight, category, phrase)
        if best is not None:
            break
    if best is None:
        return None
    return best[2], best[1], f"header says '{best[3]}'"
