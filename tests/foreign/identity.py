"""Identifiers and identity fields as French lab software writes them, with their checksums.

Every checksum is computed here from its definition (NIR: 97 minus the number mod 97, with 2A/2B
read as 19/18; FINESS and RPPS: a Luhn key); the tests check them against python-stdnum, and
phone numbers against phonenumbers, so a mistake here cannot hide behind a matching mistake in
sceau.
"""

from __future__ import annotations

import random
import string
import unicodedata
from datetime import date, datetime, timedelta

# Real communes with their postcode: lab patients live in real places, so a detector that knows
# French communes must not be penalised by invented ones.
COMMUNES: tuple[tuple[str, str], ...] = (
    ("75011", "Paris"), ("75015", "Paris"), ("75018", "Paris"), ("75020", "Paris"),
    ("69003", "Lyon"), ("69008", "Lyon"), ("69100", "Villeurbanne"), ("13005", "Marseille"),
    ("13013", "Marseille"), ("13090", "Aix-en-Provence"), ("13200", "Arles"),
    ("31000", "Toulouse"), ("31300", "Toulouse"), ("33000", "Bordeaux"), ("33600", "Pessac"),
    ("44000", "Nantes"), ("44600", "Saint-Nazaire"), ("59000", "Lille"), ("59100", "Roubaix"),
    ("59200", "Tourcoing"), ("59140", "Dunkerque"), ("62300", "Lens"), ("62100", "Calais"),
    ("62200", "Boulogne-sur-Mer"), ("62000", "Arras"), ("67000", "Strasbourg"),
    ("67600", "Sélestat"), ("68000", "Colmar"), ("68100", "Mulhouse"), ("35000", "Rennes"),
    ("35400", "Saint-Malo"), ("29200", "Brest"), ("29000", "Quimper"), ("29690", "Huelgoat"),
    ("56100", "Lorient"), ("56340", "Carnac"), ("22000", "Saint-Brieuc"), ("76000", "Rouen"),
    ("76600", "Le Havre"), ("76200", "Dieppe"), ("14000", "Caen"), ("14400", "Bayeux"),
    ("50100", "Cherbourg-en-Cotentin"), ("50400", "Granville"), ("27000", "Évreux"),
    ("37000", "Tours"), ("37400", "Amboise"), ("45000", "Orléans"), ("18000", "Bourges"),
    ("18200", "Saint-Amand-Montrond"), ("21000", "Dijon"), ("25000", "Besançon"),
    ("39100", "Dole"), ("71100", "Chalon-sur-Saône"), ("71500", "Louhans"),
    ("63000", "Clermont-Ferrand"), ("63150", "La Bourboule"), ("03100", "Montluçon"),
    ("03200", "Vichy"), ("42000", "Saint-Étienne"), ("42300", "Roanne"), ("38000", "Grenoble"),
    ("38200", "Vienne"), ("38300", "Bourgoin-Jallieu"), ("73000", "Chambéry"),
    ("73200", "Albertville"), ("74000", "Annecy"), ("74200", "Thonon-les-Bains"),
    ("74400", "Chamonix-Mont-Blanc"), ("01000", "Bourg-en-Bresse"), ("26000", "Valence"),
    ("26110", "Nyons"), ("07200", "Aubenas"), ("84000", "Avignon"),
    ("84110", "Vaison-la-Romaine"), ("30000", "Nîmes"), ("30100", "Alès"),
    ("34000", "Montpellier"), ("34500", "Béziers"), ("66000", "Perpignan"),
    ("11100", "Narbonne"), ("81000", "Albi"), ("82000", "Montauban"), ("46000", "Cahors"),
    ("46100", "Figeac"), ("12000", "Rodez"), ("65000", "Tarbes"), ("64000", "Pau"),
    ("64100", "Bayonne"), ("40100", "Dax"), ("47000", "Agen"), ("24000", "Périgueux"),
    ("24200", "Sarlat-la-Canéda"), ("19100", "Brive-la-Gaillarde"), ("87000", "Limoges"),
    ("23000", "Guéret"), ("86000", "Poitiers"), ("79000", "Niort"), ("17000", "La Rochelle"),
    ("16000", "Angoulême"), ("85000", "La Roche-sur-Yon"), ("49000", "Angers"),
    ("53000", "Laval"), ("72000", "Le Mans"), ("72200", "La Flèche"), ("61000", "Alençon"),
    ("28000", "Chartres"), ("41000", "Blois"), ("36000", "Châteauroux"), ("58000", "Nevers"),
    ("89000", "Auxerre"), ("10000", "Troyes"), ("51100", "Reims"),
    ("08000", "Charleville-Mézières"), ("02100", "Saint-Quentin"), ("80000", "Amiens"),
    ("60000", "Beauvais"), ("57000", "Metz"), ("54000", "Nancy"), ("88000", "Épinal"),
    ("55100", "Verdun"), ("52000", "Chaumont"), ("70000", "Vesoul"), ("90000", "Belfort"),
    ("77000", "Melun"), ("77100", "Meaux"), ("78000", "Versailles"),
    ("91000", "Évry-Courcouronnes"), ("92100", "Boulogne-Billancourt"), ("92000", "Nanterre"),
    ("93200", "Saint-Denis"), ("93100", "Montreuil"), ("94000", "Créteil"),
    ("94200", "Ivry-sur-Seine"), ("95000", "Cergy"), ("95100", "Argenteuil"), ("06000", "Nice"),
    ("06400", "Cannes"), ("83000", "Toulon"), ("83300", "Draguignan"),
    ("83990", "Saint-Tropez"), ("04000", "Digne-les-Bains"), ("05000", "Gap"),
    ("05100", "Briançon"), ("09000", "Foix"), ("15000", "Aurillac"), ("15300", "Murat"),
    ("43000", "Le Puy-en-Velay"), ("48000", "Mende"), ("32000", "Auch"),
    ("20000", "Ajaccio"), ("20090", "Ajaccio"), ("20110", "Propriano"), ("20200", "Bastia"),
    ("20250", "Corte"), ("20260", "Calvi"), ("97400", "Saint-Denis"), ("97410", "Saint-Pierre"),
    ("97200", "Fort-de-France"), ("97100", "Basse-Terre"), ("97300", "Cayenne"),
)  # fmt: skip

# Countries of birth abroad, as the INSEE codes NIRs of people born there (99 + country).
_ABROAD = ("350", "352", "351", "109", "134", "139", "127", "212", "331", "335", "243")

_STREET_NAMES = (
    "Victor Hugo", "Jean Jaurès", "Pasteur", "du Général de Gaulle", "de la République",
    "des Lilas", "du Moulin", "de l'Église", "des Écoles", "de la Gare", "du Stade", "Gambetta",
    "Foch", "Clemenceau", "Jean Moulin", "Émile Zola", "Voltaire", "Carnot", "de Verdun",
    "du 8 Mai 1945", "du 11 Novembre 1918", "Nationale", "des Acacias", "des Tilleuls",
    "des Peupliers", "du Château", "de la Fontaine", "du Lavoir", "des Vignes", "de Paris",
    "de Bretagne", "Saint-Martin", "Sainte-Anne", "du Maréchal Leclerc", "Paul Bert",
    "Jules Ferry", "Anatole France", "Aristide Briand", "Pierre et Marie Curie", "des Rosiers",
    "du Port", "des Pêcheurs", "du Commerce", "des Frères Lumière", "Édouard Herriot",
    "de la Liberté", "de la Paix", "du Bois", "des Prés", "des Champs", "du Canal",
    "de l'Hôtel de Ville", "Pierre Brossolette", "Danton", "Mirabeau", "Jean Bart",
    "Georges Brassens", "Jacques Brel", "des Mimosas", "des Oliviers", "de Provence",
    "des Cordeliers", "Lamartine", "Alsace-Lorraine", "de Strasbourg", "Léon Blum",
    "Salvador Allende", "Gabriel Péri", "Roger Salengro", "des Tanneurs", "de la Poste",
    "du Docteur Schweitzer", "Henri Barbusse", "de Kerbernard", "des Genêts", "du Levant",
)  # fmt: skip
_STREET_TYPES = (
    ("rue", 30), ("Rue", 8), ("RUE", 5), ("avenue", 6), ("av.", 2), ("Av", 1), ("boulevard", 3),
    ("bd", 2), ("Bd", 1), ("chemin", 3), ("ch.", 1), ("impasse", 2), ("imp.", 1), ("allée", 3),
    ("place", 2), ("pl.", 1), ("route", 2), ("rte", 1), ("quai", 1), ("cours", 1),
    ("square", 1), ("passage", 1),
)  # fmt: skip
_ADR2 = (
    "Bât B, 3e étage", "Bât. C esc. 2", "Bâtiment A", "Résidence les Pins", "Rés. Le Parc apt 12",
    "Résidence du Lac, bât 4", "BP 12", "lieu-dit La Croix", "Lieu dit Kerhuel", "Appt 24",
    "3ème étage porte gauche", "Entrée 2", "Escalier A, 1er étage", "Le Bourg",
    "Hameau des Granges", "Porte 5", "Villa 7", "EHPAD Saint-Joseph", "Tour Mercure, 12e étage",
    "c/o Mme Perrin", "Domaine de la Fontaine", "Lotissement les Coquelicots",
    "Les Hauts de Bellevue", "Appartement 3B", "2e étage droite", "Cité des Fleurs",
    "Chez M. et Mme Roussel", "Quartier Saint-Roch", "Foyer logement Les Glycines",
    "Mas des Oliviers", "La Ferme du Moulin", "Bât Les Mésanges", "RDC", "Apt 101",
)  # fmt: skip

# Mutual insurers (complémentaires santé) as labs type them, with a membership-number shape:
# '#' a digit, 'A' an upper-case letter.
INSURERS: tuple[tuple[str, str], ...] = (
    ("MGEN", "#########"), ("M.G.E.N.", "#########"), ("Harmonie Mutuelle", "HM########"),
    ("HARMONIE MUTUELLE", "HM########"), ("Malakoff Humanis", "##########"),
    ("AG2R LA MONDIALE", "AG#######"), ("Mutuelle Générale", "########"), ("MNT", "#######A"),
    ("MNH", "########"), ("Groupama", "GR########"), ("Swiss Life", "SL#########"),
    ("Apivia Macif Mutuelle", "#########"), ("Klesia", "K#########"), ("Alan", "ALN######"),
    ("Mutuelle Bleue", "#########"), ("PRO BTP", "##########"), ("Intériale", "#########"),
    ("UNEO", "#######"), ("Solimut", "#########"), ("Ociane Matmut", "OC########"),
    ("CCMO Mutuelle", "########"), ("Eovi MCD", "#########"), ("Aésio", "AES#######"),
    ("La Mutuelle Verte", "########"), ("MACSF", "########"), ("Henner", "HEN#######"),
    ("C2S (ex-CMU-C)", "##########"), ("Mutuelle SMI", "#########"), ("Viamedis", "VM########"),
    ("Almerys", "#############"),
)  # fmt: skip

_MAIL_DOMAINS = (
    "orange.fr", "wanadoo.fr", "free.fr", "gmail.com", "hotmail.fr", "laposte.net", "sfr.fr",
    "yahoo.fr", "outlook.fr", "icloud.com", "neuf.fr", "bbox.fr", "aol.com", "live.fr",
)  # fmt: skip
_PASSWORD_WORDS = (
    "soleil", "marseille", "chouchou", "doudou", "loulou", "azerty", "motdepasse", "bonjour",
    "camille", "princesse", "chocolat", "amour", "minou", "football", "olympique", "nounours",
    "papillon", "liberte", "vacances", "jetaime", "bretagne", "titeuf", "caramel", "pompier",
)  # fmt: skip


def luhn_key(digits: str) -> str:
    """The Luhn check digit to append to ``digits``."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: these become odd positions once the key is appended
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return str((10 - total % 10) % 10)


def department(postcode: str) -> str:
    """The département a postcode belongs to: 2 characters, 3 overseas, 2A/2B in Corsica."""
    if postcode.startswith("97"):
        return postcode[:3]
    if postcode.startswith("20"):
        return "2A" if postcode < "20200" else "2B"
    return postcode[:2]


def nir(rng: random.Random, sex: str, born: date, birth_postcode: str | None) -> str:
    """A valid NIR (15 characters, compact) for someone of ``sex`` ('1' or '2') born then.

    Born in France when ``birth_postcode`` is given (that département), else abroad.
    """
    if birth_postcode is None:
        place = "99" + rng.choice(_ABROAD)
    else:
        dept = department(birth_postcode)
        place = dept + f"{rng.randrange(1, 1000 if len(dept) == 2 else 100):0{5 - len(dept)}d}"
    body = f"{sex}{born.year % 100:02d}{born.month:02d}{place}{rng.randrange(1, 1000):03d}"
    numeric = body.replace("2A", "19", 1) if body[5:7] == "2A" else body
    numeric = numeric.replace("2B", "18", 1) if body[5:7] == "2B" else numeric
    return body + f"{97 - int(numeric) % 97:02d}"


def nir_form(value: str, style: str) -> str:
    """A NIR as typed: ``compact``, ``spaced`` (1 85 05 78 006 084 91) or ``key`` (key apart)."""
    if style == "spaced":
        parts = (
            value[0],
            value[1:3],
            value[3:5],
            value[5:7],
            value[7:10],
            value[10:13],
            value[13:],
        )
        return " ".join(parts)
    if style == "key":
        return f"{value[:13]} {value[13:]}"
    return value


def finess(rng: random.Random, dept: str) -> str:
    """A FINESS number: département, 6 digits, Luhn key (2A/2B read as 20 for the key)."""
    body = dept + "".join(rng.choices(string.digits, k=6))
    return body + luhn_key(body.replace("2A", "20").replace("2B", "20"))


def rpps(rng: random.Random) -> str:
    """An RPPS number: 11 digits starting with 10, the last a Luhn key over the first ten."""
    body = "10" + "".join(rng.choices(string.digits, k=8))
    return body + luhn_key(body)


# Prefixes (after the leading 0) that the national numbering plan gives metropolitan fixed lines
# and mobiles; 040x, 0639, 069x and 070x-072x are not among them.
_FIXED = [f"{a}{b}" for a in "12345" for b in "0123456789" if f"{a}{b}" not in {"40", "59"}]
_FIXED += [f"9{b}" for b in "0123456789"]
_MOBILE = [f"6{b}" for b in "012345678"] + [f"7{b}" for b in "3456789"]


def phone_number(rng: random.Random, mobile: bool) -> str:
    """A valid French number in national form, ten digits: 0 + prefix + 7 digits."""
    prefix = rng.choice(_MOBILE if mobile else _FIXED)
    rest = "".join(rng.choices(string.digits, k=7))
    if (prefix, rest[0]) in {("63", "9"), ("26", "2")}:  # 0639, 0262: overseas ranges
        rest = "0" + rest[1:]
    return "0" + prefix + rest


PHONE_STYLES = (
    "spaced", "compact", "dots", "dashes", "intl_spaced", "intl_compact", "intl_00",
    "intl_00_compact", "intl_paren", "spaced_pairs_tight",
)  # fmt: skip


def phone_form(number: str, style: str) -> str:
    """A ten-digit national number as people and software write it."""
    pairs = [number[i : i + 2] for i in range(0, 10, 2)]
    national = number[1:]
    grouped = " ".join([national[0], *[national[i : i + 2] for i in range(1, 9, 2)]])
    forms = {
        "spaced": " ".join(pairs),
        "compact": number,
        "dots": ".".join(pairs),
        "dashes": "-".join(pairs),
        "intl_spaced": "+33 " + grouped,
        "intl_compact": "+33" + national,
        "intl_00": "0033 " + grouped,
        "intl_00_compact": "0033" + national,
        "intl_paren": "+33 (0)" + grouped,
        "spaced_pairs_tight": f"{pairs[0]} {''.join(pairs[1:3])} {''.join(pairs[3:])}",
    }
    return forms[style]


def birth_date(rng: random.Random) -> date:
    """A birth date for a lab patient: any age from newborn to 98, more adults."""
    age_days = int(rng.triangular(10, 98 * 365, 45 * 365))
    return date(2021, 3, 1) - timedelta(days=age_days)


def visit(rng: random.Random) -> datetime:
    """The date and time of a patient's last visit, in the two years before the leak."""
    day = date(2019, 3, 1) + timedelta(days=rng.randrange(730))
    return datetime(day.year, day.month, day.day, rng.randrange(7, 19), rng.randrange(0, 60, 5))


def date_form(value: date, style: str) -> str:
    """Dates as French lab software writes them."""
    forms = {
        "dmy": f"{value.day:02d}/{value.month:02d}/{value.year}",
        "iso": value.isoformat(),
        "compact": f"{value.year}{value.month:02d}{value.day:02d}",
        "dmy_dots_short": f"{value.day:02d}.{value.month:02d}.{value.year % 100:02d}",
        "dmy_dashes": f"{value.day:02d}-{value.month:02d}-{value.year}",
    }
    return forms[style]


def street(rng: random.Random) -> str:
    """A street line: number (with bis/ter now and then), street type and name."""
    kinds, weights = zip(*_STREET_TYPES, strict=True)
    kind = rng.choices(kinds, weights)[0]
    number = str(rng.randrange(1, 180)) + rng.choice(("",) * 12 + (" bis", "bis", " ter", "B"))
    name = rng.choice(_STREET_NAMES)
    if kind in {"route", "rte"} and rng.random() < 0.5:
        name = "de " + rng.choice(COMMUNES)[1]
    line = f"{number} {kind} {name}"
    if rng.random() < 0.08:
        return f"{number}, {kind} {name}"
    return line.upper() if rng.random() < 0.1 else line


def complement(rng: random.Random) -> str | None:
    """An address's second line, or None (most addresses have none)."""
    return rng.choice(_ADR2) if rng.random() < 0.45 else None


def one_line_address(rng: random.Random, place: str | None = None, near: str | None = None) -> str:
    """An address written as one phrase, as prescribers' and insurers' addresses are kept.

    ``near``: a département most such addresses are in (a lab's doctors work near it).
    """
    local = [c for c in COMMUNES if department(c[0]) == near]
    postcode, city = rng.choice(local if local and rng.random() < 0.7 else COMMUNES)
    parts = [place] if place else []
    parts.append(street(rng))
    if rng.random() < 0.15:
        parts.append(f"BP {rng.randrange(1, 400)}")
    town = f"{postcode} {city.upper() if rng.random() < 0.5 else city}"
    if rng.random() < 0.1:
        town += " Cedex"
    parts.append(town)
    return rng.choice((", ", " - ", " ")).join(parts)


def email(rng: random.Random, first: str, last: str) -> str:
    """A personal e-mail address built the ways people build theirs."""
    first, last = _ascii(first).lower(), _ascii(last).lower().replace(" ", "")
    local = rng.choice(
        (
            f"{first}.{last}",
            f"{first[0]}{last}",
            f"{last}.{first}",
            f"{first}{rng.randrange(1, 99)}",
            f"{first}.{last}{rng.randrange(50, 99)}",
            f"{last}{first[0]}",
            f"{first}_{last}",
        )
    )
    return f"{local}@{rng.choice(_MAIL_DOMAINS)}"


def login(rng: random.Random, style: str, last: str, first: str, born: date, mail: str) -> str:
    """A patient-portal login: name-derived, e-mail-like or numeric."""
    last = _ascii(last).lower().replace(" ", "").replace("-", "")
    first = _ascii(first).lower()
    if style == "mail":
        return mail
    if style == "numeric":
        return str(rng.randrange(10_000_000, 99_999_999))
    return rng.choice(
        (
            f"{last}{born.day:02d}{born.month:02d}{born.year % 100:02d}",
            f"{first[0]}{last}",
            f"{first[0]}.{last}{rng.randrange(1, 99)}",
            f"{last}{rng.randrange(10, 9999)}",
        )
    )


def password(rng: random.Random, first: str, born: date) -> str:
    """A password in clear, as patients choose them (and as the leaked portal stored them)."""
    word = rng.choice(_PASSWORD_WORDS)
    pick = rng.randrange(7)
    if pick == 0:
        return word + str(rng.randrange(1, 2022))
    if pick == 1:
        return word.capitalize() + str(rng.randrange(10, 99)) + rng.choice("!*$#.")
    if pick == 2:
        return f"{born.day:02d}{born.month:02d}{born.year}"
    if pick == 3:
        return _ascii(first).capitalize() + str(born.year)
    if pick == 4:
        alphabet = string.ascii_letters + string.digits + "!#$%&*+-?@"
        return "".join(rng.choices(alphabet, k=rng.randrange(8, 14)))
    if pick == 5:
        return word + rng.choice(("123", "1234", "01", "69", "13", "75"))
    return "".join(rng.choices(string.ascii_lowercase + string.digits, k=rng.randrange(6, 10)))


def member_number(rng: random.Random, shape: str) -> str:
    """A mutual insurer's membership (tiers payant) number in that insurer's shape."""
    return "".join(
        rng.choice(string.digits)
        if c == "#"
        else rng.choice(string.ascii_uppercase)
        if c == "A"
        else c
        for c in shape
    )


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("'", "")
