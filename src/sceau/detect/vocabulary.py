"""The words of column headers: every spelling of a concept, and what sets of concepts mean.

The tables :mod:`sceau.detect.headers` reads a header with: French and English words, their
abbreviations and truncations (``CONCEPTS``, ``GLUED``), the spellings too ambiguous to carry a
rule's full weight (``AMBIGUOUS``), the rules from sets of concepts to a category (``RULES``),
the concepts that name whose data a column is (``OWNERS``) and the HL7 v2 fields with a fixed
meaning (``HL7_FIELDS``). Adding a spelling is a line here, never a new condition there.
"""

from __future__ import annotations

from sceau.detect.base import Category, Subject

C = Category
S = Subject

# Every spelling of a concept: French and English words, their abbreviations and truncations.
CONCEPTS: dict[str, tuple[str, ...]] = {
    # identity
    "nir": ("nir", "ssn", "insee"),
    "secu": ("secu", "ss", "nss", "securite", "sociale", "social", "security"),
    "ins": ("ins",),
    "matricule": ("matricule", "matric"),
    "name": ("nom", "noms", "name", "names", "surname", "patronyme", "family"),
    "first": ("prenom", "prenoms", "pren", "prn", "forename", "given"),
    "en_first": ("first",),  # English "first name"; alone it may be "first visit"
    "full": ("full", "complet"),
    "maiden": ("jf", "jeune", "fille", "maiden", "usuel", "usage", "marital", "epouse", "married"),
    "sex": ("sexe", "sex", "gender", "genre"),
    "civility": ("civ", "civilite", "civility", "titre", "salutation"),
    "age": ("age",),
    # places
    "address": ("adresse", "adresses", "adr", "address", "addresses", "addr", "adress", "adrs"),
    "street": ("rue", "voie", "street"),
    "line": ("ligne", "line", "lig"),
    "complement": ("cplt", "compl", "complement", "cpl"),
    "postcode": ("cp", "postal", "zip", "postcode", "cedex"),
    "city": ("ville", "commune", "localite", "city", "town", "municipality"),
    "place": ("lieu", "place"),
    "department": ("departement", "dept", "dpt"),
    "country": ("pays", "country", "nationalite", "nationality"),
    # contact
    "phone": (
        "tel", "telephone", "telephones", "phone", "portable", "port", "mobile", "gsm", "cell",
        "cellulaire", "fax", "telecom", "fixe",
    ),
    "email": ("mail", "email", "mails", "emails", "courriel", "mel"),
    # dates
    "date": ("date", "dates", "dt", "dte", "datetime", "jour", "le"),
    "birth": ("naissance", "naiss", "nais", "naissan", "birth", "born", "ne", "nee"),
    "visit": ("visite", "visit", "passage", "rdv", "consultation", "venue"),
    "sampling": ("prelevement", "prelevements", "prelev", "sampling", "collection", "collected"),
    "effective": ("effective",),
    # free text
    "comment": (
        "commentaire", "commentaires", "comment", "comments", "com", "comm", "cmt", "remarque",
        "remarques", "observation", "observations", "obs", "note", "notes", "memo", "texte",
        "text", "motif", "info", "infos", "information", "informations",
    ),
    "clinical": ("clinique", "cliniques", "clinical", "clin"),
    "renseignement": ("renseignement", "renseignements", "rc"),
    "health": (
        "diagnostic", "diag", "pathologie", "pathologies", "patho", "antecedents", "atcd",
        "traitement", "traitements", "ttt",
    ),
    # identifiers of professionals, organisations and records
    "rpps": ("rpps",),
    "adeli": ("adeli",),
    "finess": ("finess",),
    "member": ("adherent", "member", "membre", "affilie", "policy"),
    "regime": ("regime", "scheme"),
    "number": ("num", "numero", "no", "n", "nr", "nro", "number"),
    "ident": ("id", "ident", "identifiant", "identifier", "idt"),
    "code": ("code", "cod"),
    "record": ("record", "dossier", "demande", "nda", "sejour"),
    "ipp": ("ipp", "mrn"),
    "reference": ("reference", "ref"),
    "sample": ("echantillon", "sample", "tube", "specimen", "accession"),
    "barcode": ("barre", "barres", "barcode", "ean", "datamatrix"),
    "position": ("index", "idx", "rang", "ordre", "position", "seq", "sequence", "order"),
    # accounts
    "login": ("login", "logins", "user", "utilisateur", "usr", "pseudo", "logon"),
    "account": (
        "portail", "portal", "sr", "serveur", "server", "web", "internet", "extranet", "compte",
        "account", "acces", "connexion",
    ),
    "password": ("mp", "mdp", "passe", "password", "passwd", "pwd", "pass", "pw", "secret"),
    "hash": ("hash", "hashed", "empreinte", "digest"),
    "iban": ("iban", "rib"),
    # whose data it is
    "patient": ("pat", "patient", "assure", "beneficiaire", "benef"),
    "practitioner": (
        "med", "medecin", "medecins", "doctor", "dr", "prescripteur", "presc", "prescriber",
        "practitioner", "praticien", "physician", "mt",
    ),
    "sampler": ("prel", "preleveur", "preleveuse", "sampler", "infirmier", "infirmiere", "ide",
                "idel", "nurse"),
    "insurer": (
        "organisme", "org", "orga", "mut", "mutuelle", "mutuelles", "amc", "tp", "tiers",
        "payant", "assureur", "insurer", "insurance", "payer", "payeur", "caisse",
        "complementaire", "ocam",
    ),
    "lab": ("labo", "laboratoire", "lab", "lbm", "etablissement", "etab"),
    # aggregates: a count, a sum, a mean is nobody's value
    "aggregate": (
        "count", "cnt", "nb", "nbr", "nombre", "sum", "somme", "total", "avg", "average",
        "moyenne", "mean", "effectif", "qty", "quantite",
    ),
    # technical
    "resource": ("resource",),
    "type": ("type",),
    "system": ("system",),
    "message": ("message",),
}  # fmt: skip

# Glued abbreviations and compounds: one token, several concepts.
GLUED: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("ddn", "dob", "dnais", "dnaiss", "dtnais", "dtnaiss", "datenais", "datenaiss",
         "datenaissance", "birthdate", "birthday", "dateofbirth"),
        ("date", "birth"),
    ),
    **dict.fromkeys(("birthplace", "lieunaiss", "lieunaissance"), ("place", "birth")),
    **dict.fromkeys(("villenaiss", "villenaissance"), ("city", "birth")),
    **dict.fromkeys(("lastname", "familyname", "nomusuel", "nomusage"), ("name",)),
    **dict.fromkeys(("firstname", "givenname"), ("first",)),
    "fullname": ("full", "name"),
    "nomjf": ("name", "maiden"),
    **dict.fromkeys(("zipcode", "postalcode", "codepostal"), ("postcode",)),
    **dict.fromkeys(("username", "userid"), ("login",)),
    **dict.fromkeys(("codebarre", "codebarres"), ("code", "barcode")),
    **dict.fromkeys(("motdepasse", "passwort"), ("password",)),
    "numsecu": ("number", "secu"),
    "patientid": ("patient", "ident"),
    "resourcetype": ("resource", "type"),
}  # fmt: skip

# Spellings too ambiguous to carry a rule's full weight when they are its only word: "CP" may
# be a "code produit", "PORT" a harbour, "LE" anything.
AMBIGUOUS: dict[str, float] = {
    "ss": 0.9, "insee": 0.9, "family": 0.9, "given": 0.9, "cp": 0.9, "port": 0.8, "fax": 0.8,
    "telecom": 0.5, "fixe": 0.7, "dt": 0.9, "jour": 0.7, "le": 0.4, "ne": 0.6, "nee": 0.6,
    "datetime": 0.9, "com": 0.7, "obs": 0.7, "info": 0.7, "infos": 0.7, "information": 0.6,
    "informations": 0.6, "motif": 0.7, "text": 0.8, "texte": 0.8, "user": 0.6,
    "utilisateur": 0.8, "mp": 0.8, "pass": 0.8, "pw": 0.8, "secret": 0.6, "empreinte": 0.7,
    "rib": 0.9, "identifier": 0.8, "nda": 0.9, "rc": 0.7, "ttt": 0.8, "passage": 0.7,
    "venue": 0.7, "consultation": 0.7, "mt": 0.7, "lig": 0.8,
}  # fmt: skip

OWNER, GENERIC = 1, 2

# Sets of concepts (space separated, in any order in the header) -> category, weight, flags and,
# where the rule knows better than the header's owner words, whose data it is. Weight 1.0: the
# name alone is enough; below: the values must agree. OWNER: a rule that only names whose
# data it is (at equal weight it loses to a kind of value). GENERIC: a bare "date", which
# the distribution of the values may refine into a date of birth.
RULES: dict[str, tuple[Category, float, int, Subject | None]] = {
    # national identifiers
    "nir": (C.NIR, 1.0, 0, None),
    "secu": (C.NIR, 0.9, 0, None),
    "number secu": (C.NIR, 1.0, 0, None),
    "matricule": (C.NIR, 0.6, 0, None),
    "ins": (C.INS, 1.0, 0, None),
    "ins matricule": (C.INS, 1.0, 0, None),
    "ins nir": (C.INS, 1.0, 0, None),
    # names
    "name": (C.PERSON_NAME, 0.8, 0, None),
    "first": (C.PERSON_NAME, 1.0, 0, None),
    "en_first name": (C.PERSON_NAME, 1.0, 0, None),
    "full name": (C.PERSON_NAME, 1.0, 0, None),
    "birth name": (C.PERSON_NAME, 1.0, 0, None),
    "maiden name": (C.PERSON_NAME, 1.0, 0, None),
    "name insurer": (C.OTHER, 1.0, 0, None),  # an organisation's name is not a person's
    "name lab": (C.OTHER, 1.0, 0, None),
    # sex
    "sex": (C.SEX, 1.0, 0, None),
    "civility": (C.SEX, 0.7, 0, None),
    "age": (C.OTHER, 0.8, 0, None),
    # places
    "address": (C.ADDRESS, 1.0, 0, None),
    "street": (C.ADDRESS, 0.8, 0, None),
    "line": (C.ADDRESS, 0.6, 0, None),
    "complement": (C.ADDRESS, 0.6, 0, None),
    "address line": (C.ADDRESS, 1.0, 0, None),
    "address complement": (C.ADDRESS, 1.0, 0, None),
    "address street": (C.ADDRESS, 1.0, 0, None),
    "postcode": (C.POSTCODE, 1.0, 0, None),
    "city": (C.CITY, 1.0, 0, None),
    "city birth": (C.CITY, 1.0, 0, None),
    "place birth": (C.CITY, 1.0, 0, None),
    "department": (C.OTHER, 0.6, 0, None),
    "department birth": (C.OTHER, 0.9, 0, None),
    "country": (C.OTHER, 0.8, 0, None),
    "country birth": (C.OTHER, 0.9, 0, None),
    # contact
    "phone": (C.PHONE, 1.0, 0, None),
    "email": (C.EMAIL, 1.0, 0, None),
    # dates
    "birth": (C.BIRTH_DATE, 0.9, 0, None),
    "date birth": (C.BIRTH_DATE, 1.0, 0, None),
    "date": (C.DATE, 0.8, GENERIC, None),
    "visit": (C.DATE, 0.6, 0, None),
    "date visit": (C.DATE, 1.0, 0, None),
    "sampling": (C.DATE, 0.3, 0, None),
    "date sampling": (C.DATE, 1.0, 0, Subject.PATIENT),
    "date sampler": (C.DATE, 1.0, 0, Subject.PATIENT),  # DT_PREL: when it was sampled
    "sample sampling": (C.DATE, 0.8, 0, Subject.PATIENT),  # specimen_collected_at
    "date health": (C.DATE, 1.0, 0, None),  # the date of a treatment is a date
    "effective": (C.DATE, 0.5, 0, None),
    # free text
    "comment": (C.FREE_TEXT, 1.0, 0, None),
    "clinical": (C.FREE_TEXT, 0.8, 0, None),
    "comment clinical": (C.FREE_TEXT, 1.0, 0, None),
    "renseignement clinical": (C.HEALTH_TEXT, 1.0, 0, None),
    "health": (C.HEALTH_TEXT, 1.0, 0, None),
    # practitioners, labs, insurers
    "rpps": (C.PRACTITIONER_ID, 1.0, 0, None),
    "adeli": (C.PRACTITIONER_ID, 1.0, 0, None),
    "ident practitioner": (C.PRACTITIONER_ID, 0.7, 0, None),
    "number practitioner": (C.PRACTITIONER_ID, 0.7, 0, None),
    "code practitioner": (C.PRACTITIONER_ID, 0.6, 0, None),
    "ident sampler": (C.PRACTITIONER_ID, 0.6, 0, None),
    "finess": (C.FINESS, 1.0, 0, None),
    "number insurer": (C.INSURER_ID, 1.0, 0, None),
    "ident insurer": (C.INSURER_ID, 1.0, 0, None),
    "code insurer": (C.INSURER_ID, 0.7, 0, None),
    "member": (C.INSURER_ID, 0.6, 0, Subject.PATIENT),
    "member number": (C.INSURER_ID, 1.0, 0, Subject.PATIENT),
    "member ident": (C.INSURER_ID, 1.0, 0, Subject.PATIENT),
    "regime": (C.OTHER, 0.7, 0, None),
    # whose data, alone: the owner's name (a person's, or an organisation's)
    "patient": (C.PERSON_NAME, 0.5, OWNER, None),
    "practitioner": (C.PERSON_NAME, 0.6, OWNER, None),
    "sampler": (C.PERSON_NAME, 0.6, OWNER, None),
    "insurer": (C.OTHER, 0.7, OWNER, None),
    "lab": (C.OTHER, 0.7, OWNER, None),
    # accounts
    "login": (C.LOGIN, 1.0, 0, None),
    "login name": (C.LOGIN, 1.0, 0, None),
    "login ident": (C.LOGIN, 0.9, 0, None),
    "ident account": (C.LOGIN, 1.0, 0, None),
    "login account": (C.LOGIN, 1.0, 0, None),
    "name account": (C.LOGIN, 0.9, 0, None),
    "password": (C.PASSWORD, 1.0, 0, None),
    "password account": (C.PASSWORD, 1.0, 0, None),
    "password hash": (C.PASSWORD_HASH, 1.0, 0, None),
    "hash": (C.PASSWORD_HASH, 0.9, 0, None),
    # bank
    "iban": (C.IBAN, 1.0, 0, None),
    # record ids
    "ident": (C.RECORD_ID, 0.6, 0, None),
    "ipp": (C.RECORD_ID, 1.0, 0, None),
    "record": (C.RECORD_ID, 0.8, 0, None),
    "number record": (C.RECORD_ID, 1.0, 0, None),
    "ident record": (C.RECORD_ID, 1.0, 0, None),
    "ident patient": (C.RECORD_ID, 1.0, 0, None),
    "number patient": (C.RECORD_ID, 0.8, 0, None),
    "number visit": (C.RECORD_ID, 0.8, 0, None),
    "ident visit": (C.RECORD_ID, 0.8, 0, None),
    "reference": (C.RECORD_ID, 0.5, 0, None),
    "sample": (C.RECORD_ID, 0.6, 0, None),
    "number sample": (C.RECORD_ID, 0.9, 0, None),
    "barcode": (C.RECORD_ID, 0.9, 0, None),  # a tube's or a request's label
    "code barcode": (C.RECORD_ID, 1.0, 0, None),
    "ident sample": (C.RECORD_ID, 0.9, 0, None),
    # technical
    "position": (C.OTHER, 0.9, 0, None),  # a rank in a list, a line number: nobody's data
    "resource type": (C.OTHER, 1.0, 0, None),
    "system": (C.OTHER, 0.7, 0, None),
    "code": (C.OTHER, 0.5, 0, None),
    "message": (C.OTHER, 0.5, 0, None),
}
AGGREGATE = (C.OTHER, 0.9)  # the "aggregate" concept wins over every rule

OWNERS: dict[str, Subject] = {
    "patient": S.PATIENT,
    "member": S.PATIENT,
    "practitioner": S.PRACTITIONER,
    "rpps": S.PRACTITIONER,
    "adeli": S.PRACTITIONER,
    "sampler": S.SAMPLER,
    "insurer": S.INSURER,
    "lab": S.LAB,
    "finess": S.LAB,
}

# HL7 v2 fields (segment-field[.component]) with a fixed meaning; the most specific key wins.
HL7_FIELDS: dict[str, tuple[Category, Subject]] = {
    "PID-3": (C.RECORD_ID, S.PATIENT),
    "PID-2": (C.RECORD_ID, S.PATIENT),
    "PID-5": (C.PERSON_NAME, S.PATIENT),
    "PID-6": (C.PERSON_NAME, S.PATIENT),
    "PID-7": (C.BIRTH_DATE, S.PATIENT),
    "PID-8": (C.SEX, S.PATIENT),
    "PID-11": (C.ADDRESS, S.PATIENT),
    "PID-11.4": (C.OTHER, S.UNKNOWN),  # state or province
    "PID-11.6": (C.OTHER, S.UNKNOWN),  # country
    "PID-11.7": (C.OTHER, S.UNKNOWN),  # address type
    "PID-11.3": (C.CITY, S.PATIENT),
    "PID-11.5": (C.POSTCODE, S.PATIENT),
    "PID-13": (C.PHONE, S.PATIENT),
    "PID-14": (C.PHONE, S.PATIENT),
    "PID-19": (C.NIR, S.PATIENT),
    "OBR-16.1": (C.PRACTITIONER_ID, S.PRACTITIONER),
    "OBR-16": (C.PERSON_NAME, S.PRACTITIONER),
    "ORC-12.1": (C.PRACTITIONER_ID, S.PRACTITIONER),
    "ORC-12": (C.PERSON_NAME, S.PRACTITIONER),
    "NTE-3": (C.FREE_TEXT, S.PATIENT),
    "OBX-7": (C.OTHER, S.UNKNOWN),
}
