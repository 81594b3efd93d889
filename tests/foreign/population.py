"""The people behind an export: a lab, its prescribers and samplers, insurers, patients.

Names come from Faker's ``fr_FR`` provider; everything else from :mod:`identity`. One patient
is drawn once and then written by each vendor in its own dialect.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime

from faker import Faker

from . import identity


@dataclass(frozen=True)
class Prescriber:
    surname: str
    first: str
    address: str
    phone: str  # national form, ten digits
    email: str
    rpps: str


@dataclass(frozen=True)
class Sampler:
    name: str
    address: str
    phone: str


@dataclass(frozen=True)
class Insurer:
    name: str
    shape: str
    address: str
    phone: str


@dataclass(frozen=True)
class Lab:
    finess: str
    code: str
    dept: str
    prescribers: tuple[Prescriber, ...]
    samplers: tuple[Sampler, ...]


@dataclass(frozen=True)
class Exam:
    mnemonic: str
    nabm: str


EXAMS = (
    Exam("GLY", "0552"), Exam("NFS", "1104"), Exam("TSH", "1208"), Exam("CREA", "0592"),
    Exam("HBA1C", "1577"), Exam("FERRI", "1806"), Exam("CRP", "1804"), Exam("ALAT", "0522"),
    Exam("INR", "0126"), Exam("EAL", "0996"), Exam("VITD", "1139"), Exam("IONO", "1610"),
    Exam("BILH", "1601"), Exam("GGT", "0519"), Exam("TP", "0127"), Exam("ECBU", "5201"),
    Exam("PSA", "7318"), Exam("BHCG", "7402"), Exam("B12", "1201"), Exam("URIC", "0586"),
)  # fmt: skip


@dataclass(frozen=True)
class Patient:
    sex: str  # '1' man, '2' woman (the NIR's own coding)
    surname: str
    birth_name: str
    first_names: tuple[str, ...]
    born: date
    nir: str  # compact
    nir_insured: str  # the NIR of whoever opens the rights (a parent, a spouse, or the patient)
    street: str
    complement: str | None
    postcode: str
    city: str
    fixed: str | None
    mobile: str | None
    email: str | None
    last_visit: datetime
    prescriber: Prescriber
    sampler: Sampler
    insurer: Insurer
    member_number: str
    login_name: str
    login_mail: str
    login_numeric: str
    password: str
    ipp: str
    dossier: str
    barcode: str
    exam: Exam
    amount: float
    acts: int  # analyses in the request: the value of count(*) exports

    @property
    def first(self) -> str:
        return self.first_names[0]

    @property
    def password_md5(self) -> str:
        """How an older portal kept the same password: an unsalted MD5 digest."""
        return hashlib.md5(self.password.encode(), usedforsecurity=False).hexdigest()


def faker(seed: int) -> Faker:
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    return fake


def insurers(rng: random.Random) -> tuple[Insurer, ...]:
    """Every insurer once, each with its mailing address and customer line."""
    places = ("Service tiers payant", "Centre de gestion", "Gestion santé", "Service adhérents")
    return tuple(
        Insurer(
            name,
            shape,
            identity.one_line_address(rng, rng.choice(places) if rng.random() < 0.6 else None),
            identity.phone_number(rng, mobile=False),
        )
        for name, shape in identity.INSURERS
    )


def lab(rng: random.Random, fake: Faker, dept: str, prescribers: int = 40) -> Lab:
    """A lab in département ``dept``, with the doctors who send it patients and its samplers."""
    doctors = []
    for _ in range(prescribers):
        surname, first = fake.last_name(), fake.first_name()
        places = ("Cabinet médical", "Maison de santé pluriprofessionnelle", "Centre médical")
        place = rng.choice(places) if rng.random() < 0.4 else None
        ascii_first = identity.email(rng, first, surname).split("@")[0]
        mail = rng.choice(
            (
                f"{ascii_first}@medecin.mssante.fr",
                identity.email(rng, first, surname),
                f"cabinet.{ascii_first.split('.')[-1]}@orange.fr",
            )
        )
        doctors.append(
            Prescriber(
                surname,
                first,
                identity.one_line_address(rng, place, near=dept),
                identity.phone_number(rng, mobile=rng.random() < 0.15),
                mail,
                identity.rpps(rng),
            )
        )
    samplers = []
    for _ in range(12):
        surname, first = fake.last_name(), fake.first_name_female()
        name = rng.choice(
            (
                f"IDE {first} {surname.upper()}",
                f"{surname.upper()} {first} (IDEL)",
                f"Cabinet infirmier {surname}",
                f"{first} {surname}, infirmière",
                f"Mme {surname.upper()}",
            )
        )
        samplers.append(
            Sampler(
                name,
                identity.one_line_address(rng, near=dept),
                identity.phone_number(rng, mobile=rng.random() < 0.7),
            )
        )
    code = f"LBM-{dept}-{rng.randrange(100, 1000)}"
    return Lab(identity.finess(rng, dept), code, dept, tuple(doctors), tuple(samplers))


def patient(
    rng: random.Random, fake: Faker, lab: Lab, insurers: tuple[Insurer, ...], number: int
) -> Patient:
    """The ``number``-th patient of ``lab``."""
    sex = rng.choice("12")
    born = identity.birth_date(rng)
    surname = fake.last_name()
    name = fake.first_name_male if sex == "1" else fake.first_name_female
    first_names = tuple(name() for _ in range(rng.choices((1, 2, 3), (0.55, 0.35, 0.1))[0]))
    married = sex == "2" and (date(2021, 3, 1) - born).days > 25 * 365 and rng.random() < 0.55
    birth_name = fake.last_name() if married else surname
    near = [c for c in identity.COMMUNES if identity.department(c[0]) == lab.dept]
    postcode, city = rng.choice(near if near and rng.random() < 0.6 else identity.COMMUNES)
    birth_place = (
        None
        if rng.random() < 0.08
        else postcode
        if rng.random() < 0.5
        else rng.choice(identity.COMMUNES)[0]
    )
    own_nir = identity.nir(rng, sex, born, birth_place)
    minor = (date(2021, 3, 1) - born).days < 18 * 365
    insured = own_nir
    if minor or rng.random() < 0.1:
        parent_born = identity.birth_date(rng)
        insured = identity.nir(rng, rng.choice("12"), parent_born, rng.choice(identity.COMMUNES)[0])
    mail = identity.email(rng, first_names[0], surname) if rng.random() < 0.75 else None
    insurer = rng.choice(insurers)
    exam = rng.choice(EXAMS)
    visit = identity.visit(rng)
    return Patient(
        sex=sex,
        surname=surname,
        birth_name=birth_name,
        first_names=first_names,
        born=born,
        nir=own_nir,
        nir_insured=insured,
        street=identity.street(rng),
        complement=identity.complement(rng),
        postcode=postcode,
        city=city,
        fixed=identity.phone_number(rng, mobile=False) if rng.random() < 0.45 else None,
        mobile=identity.phone_number(rng, mobile=True) if rng.random() < 0.85 else None,
        email=mail,
        last_visit=visit,
        prescriber=rng.choice(lab.prescribers),
        sampler=rng.choice(lab.samplers),
        insurer=insurer,
        member_number=identity.member_number(rng, insurer.shape),
        login_name=identity.login(rng, "name", surname, first_names[0], born, ""),
        login_mail=mail or identity.email(rng, first_names[0], surname),
        login_numeric=identity.login(rng, "numeric", surname, first_names[0], born, ""),
        password=identity.password(rng, first_names[0], born),
        ipp=f"{100000 + number * 7 + rng.randrange(7):08d}",
        dossier=f"{visit:%y%m%d}{rng.randrange(1, 9999):04d}",
        barcode=f"{rng.randrange(10**9, 10**10)}",
        exam=exam,
        amount=round(
            rng.choice((2.7, 5.4, 8.1, 10.8, 13.5, 16.2, 24.3, 31.05)) + rng.random() * 20, 2
        ),
        acts=rng.choices(
            range(1, 21), [20, 14, 10, 9, 8, 7, 6, 5, 4, 3, 3, 2, 2, 2, 1, 1, 1, 1, 1, 1]
        )[0],
    )
