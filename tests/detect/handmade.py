"""Columns written by hand for the classifier's tests, independent of `sceau synth`.

Pools of values typed here (surnames, second address lines, insurers' names, passwords people
choose...) and small recipes that draw from them with a seeded generator, shaped like exports
of other lab software: other header spellings, logins built another way, no header row.
"""

from __future__ import annotations

import random
import string

from stdnum import luhn

SURNAMES = [
    "dubois", "lambert", "fontaine", "rousseau", "vincent", "muller", "lefevre", "faure",
    "mercier", "guerin", "boyer", "garnier", "chevalier", "legrand", "gauthier", "perrin",
    "robin", "clement", "morin", "roussel", "mathieu", "masson", "marchand", "duval", "dumont",
    "lemaire", "meyer", "dufour", "meunier", "brun", "blanchard", "giraud", "riviere", "brunet",
    "gaillard", "barbier", "arnaud", "renard", "schmitt", "leclerc", "kerjean", "abgrall",
    "quemener", "etcheverry", "harismendy",
]  # fmt: skip
FIRST_NAMES = [
    "camille", "lucas", "chloe", "hugo", "manon", "louis", "lea", "nathan", "emma", "jules",
    "ines", "theo", "sarah", "paul", "julie", "antoine", "clara", "maxime", "lucie", "romain",
]  # fmt: skip
PASSWORDS_PEOPLE_CHOOSE = [
    "Soleil2021!", "azerty", "123456", "Doudou*77", "chaton", "P4ssw0rd!", "iloveyou",
    "Bibou2010", "motdepasse", "Qwerty!23", "loulou", "Nounours#1", "jetaime2", "France98",
    "bonjour", "Titi&Gros", "VaCances2019", "ete2015", "MaisonBleue", "12345678", "Chat-Noir?",
    "papillon", "Mimi_0412", "sUperman", "nicolas", "Hello@2020", "Zoe*2008", "tournesol7",
]  # fmt: skip
SECOND_LINES = [
    "Bât B, 3e étage", "Appartement 12", "Escalier C, porte 4", "Résidence Les Tilleuls",
    "2e étage gauche", "chez Mme Robert", "BP 45", "Bâtiment A2, appt 31", "Entrée 3",
    "1er étage, porte droite", "Immeuble Le Vercors", "Lieu-dit Kerbernard", "Appt 7, 4e étage",
    "Résidence du Parc, bât C", "CS 90012",
]  # fmt: skip
SECOND_LINES_IN_WORDS = [
    "Appartement 12, au fond de la cour à droite", "chez Mme Robert, sonner deux fois",
    "3e étage sans ascenseur, porte de gauche", "Escalier B, code de la porte au gardien",
    "Résidence des Lilas, entrée par le parking", "Bâtiment C, deuxième porte après le hall",
    "au-dessus de la pharmacie, 1er étage", "chez ses parents pour les vacances, porte 2",
]  # fmt: skip
ONE_PHRASE_ADDRESSES = [
    "12 rue des Lilas 69003 Lyon", "MGEN, 3 square Max Hymans 75015 Paris",
    "Harmonie Mutuelle - 143 rue Blomet 75015 Paris", "4 allée des Pins, 33600 Pessac",
    "Centre de gestion, 21 avenue Foch 54000 Nancy",
    "Maison de santé, 2 place du Marché 35000 Rennes",
    "Cabinet infirmier, 7 bis rue Pasteur 29200 Brest", "TSA 40021, 59000 Lille",
    "Service adhérents, 10 boulevard Haussmann 75009 Paris", "18 chemin du Moulin 31200 Toulouse",
]  # fmt: skip
PROSE_COMMENTS = [
    "prélèvement difficile au bras gauche, patient anxieux",
    "à jeun depuis la veille au soir, a pris son traitement habituel",
    "tube hémolysé, nouveau prélèvement demandé au domicile",
    "patiente signale des vertiges depuis deux jours",
    "résultats à transmettre au médecin traitant en urgence",
    "le patient souhaite recevoir ses résultats par courrier",
    "contrôle demandé par le cardiologue après changement de dose",
    "pas de garrot possible, veines fragiles",
    "rappeler la patiente pour prendre rendez-vous la semaine prochaine",
    "échantillon reçu à température ambiante, analyse faite quand même",
]  # fmt: skip
INSURER_NAMES = [
    "MGEN", "Harmonie Mutuelle", "MAAF Santé", "Malakoff Humanis", "AG2R La Mondiale", "Swiss Life",
    "Groupama", "Mutuelle Générale", "April", "Apivia", "Klesia", "Mutuelle Bleue",
]  # fmt: skip
CITIES = [
    "Lyon", "Marseille", "Toulouse", "Nantes", "Rennes", "Brest", "Dijon", "Limoges", "Tours",
    "Angers", "Reims", "Metz", "Nancy", "Rouen", "Caen",
]  # fmt: skip
TP_NUMBERS = ["31452870", "75120433", "69004127", "13387216", "44019852", "67250390"]
LAB_CODES = ["LBM-21-438", "LBM-69-112", "LBM-13-907"]


def logins(n: int, rng: random.Random) -> list[str]:
    """Portal logins as another vendor builds them: a surname and a birth date (dubois170203),
    an initial and a surname, first.last, a capitalised surname and digits."""
    out = []
    for _ in range(n):
        surname, first = rng.choice(SURNAMES), rng.choice(FIRST_NAMES)
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(0, 99)
        out.append(
            rng.choice(
                [
                    f"{surname}{day:02d}{month:02d}{year:02d}",
                    f"{first[0]}{surname}{rng.randint(1, 99)}",
                    f"{first}.{surname}",
                    f"{surname.capitalize()}{rng.randint(1000, 9999)}",
                ]
            )
        )
    return out


def name_logins(n: int, rng: random.Random) -> list[str]:
    """The one form seen in the wild: surname + birth date as ddmmyy."""
    return [
        f"{rng.choice(SURNAMES)}{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}"
        f"{rng.randint(0, 99):02d}"
        for _ in range(n)
    ]


def strong_passwords(n: int, rng: random.Random) -> list[str]:
    """Passwords a generator makes: 10 characters of every class."""
    pool = string.ascii_letters + string.digits + "!#$%&*+-=?@"
    return ["".join(rng.choice(pool) for _ in range(10)) for _ in range(n)]


def chosen_passwords(n: int, rng: random.Random) -> list[str]:
    return [rng.choice(PASSWORDS_PEOPLE_CHOOSE) for _ in range(n)]


def birth_dates(n: int, rng: random.Random) -> list[str]:
    return [
        f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1932, 2016)}"
        for _ in range(n)
    ]


def finess(department: str, rng: random.Random) -> str:
    body = department + "".join(rng.choice(string.digits) for _ in range(6))
    return body + luhn.calc_check_digit(body)
