"""Which health categories a drug (ATC code) or a diagnosis (CIM-10 code) counts as.

Two tables, documented row for row in docs/categories.md (a test holds them in step):

- :data:`ATC`: a drug counts as TREATMENT *and* the condition its class treats (antiretrovirals:
  HIV and TREATMENT). The longest matching prefix wins; a code no row names is TREATMENT only;
  a row with no category (vitamins, saline, contrast and diagnostic agents…) is not counted.
- :data:`CIM10`: a diagnosis counts as the categories of the chapter or block it falls in; a
  code no row names is not one of sceau's categories (diabetes is health data, but not a
  category a lab comment is scanned for). Longer rows (four characters) win over blocks.

Codes are written as the terminologies write them, without dots: ``J05AR03``, ``C50``, ``Z511``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sceau.detect.base import HealthCategory as H

_T = H.TREATMENT


@dataclass(frozen=True)
class CodeRow:
    """Codes from ``first`` to ``last`` (compared on their first ``len(first)`` characters)."""

    first: str
    last: str
    categories: frozenset[H]
    what: str

    def covers(self, code: str) -> bool:
        head = code[: len(self.first)]
        return len(code) >= len(self.first) and self.first <= head <= self.last


def _row(codes: str, categories: tuple[H, ...], what: str) -> CodeRow:
    first, _, last = codes.partition("-")
    return CodeRow(first, last or first, frozenset(categories), what)


ATC: tuple[CodeRow, ...] = (
    _row("J05AE", (H.HIV, _T), "HIV protease inhibitors"),
    _row("J05AE11-J05AE14", (_T,), "hepatitis C protease inhibitors filed under J05AE"),
    _row("J05AF", (H.HIV, _T), "nucleoside reverse-transcriptase inhibitors"),
    _row("J05AF08", (_T,), "adefovir (hepatitis B)"),
    _row("J05AF10-J05AF11", (_T,), "entecavir, telbivudine (hepatitis B)"),
    _row("J05AG", (H.HIV, _T), "non-nucleoside reverse-transcriptase inhibitors"),
    _row("J05AJ", (H.HIV, _T), "integrase inhibitors"),
    _row("J05AR", (H.HIV, _T), "antiretroviral combinations"),
    _row("J05AX07-J05AX09", (H.HIV, _T), "enfuvirtide, raltegravir, maraviroc"),
    _row("J05AX12", (H.HIV, _T), "dolutegravir"),
    _row("J05AX23", (H.HIV, _T), "ibalizumab"),
    _row("J05AX29", (H.HIV, _T), "fostemsavir"),
    _row("L01", (H.CANCER, _T), "antineoplastic agents (chemotherapy, targeted therapy)"),
    _row("L02", (H.CANCER, _T), "endocrine therapy of cancers (hormone therapy)"),
    _row("V03AF", (H.CANCER, _T), "detoxifying agents given with chemotherapy"),
    _row("N07BA", (H.ADDICTION, _T), "drugs used in nicotine dependence"),
    _row("N07BB", (H.ADDICTION, _T), "drugs used in alcohol dependence"),
    _row("N07BC", (H.ADDICTION, _T), "drugs used in opioid dependence (substitution)"),
    _row("N05A", (H.MENTAL_HEALTH, _T), "antipsychotics, lithium (N05AN)"),
    _row("N05B", (H.MENTAL_HEALTH, _T), "anxiolytics"),
    _row("N05C", (H.MENTAL_HEALTH, _T), "hypnotics and sedatives"),
    _row("N06A", (H.MENTAL_HEALTH, _T), "antidepressants"),
    _row("N06B", (H.MENTAL_HEALTH, _T), "psychostimulants (ADHD)"),
    _row("N06C", (H.MENTAL_HEALTH, _T), "psycholeptics and psychoanaleptics in combination"),
    _row("N06D", (H.MENTAL_HEALTH, _T), "anti-dementia drugs"),
    _row("G03A", (H.SEXUAL_HEALTH, _T), "hormonal contraceptives, emergency contraception"),
    _row("G02B", (H.SEXUAL_HEALTH, _T), "intrauterine devices, vaginal rings, spermicides"),
    _row("G04BE", (H.SEXUAL_HEALTH, _T), "drugs used in erectile dysfunction"),
    _row("G03G", (H.PREGNANCY, _T), "gonadotrophins and ovulation stimulants (fertility care)"),
    _row("G03XB", (H.PREGNANCY, _T), "progesterone receptor modulators (mifepristone)"),
    _row("G02AD", (H.PREGNANCY, _T), "prostaglandins (labour induction)"),
    _row("H01BB", (H.PREGNANCY, _T), "oxytocin and analogues"),
    _row("R07AX02", (H.GENETIC, _T), "ivacaftor (cystic fibrosis)"),
    _row("R07AX30-R07AX32", (H.GENETIC, _T), "CFTR modulator combinations (cystic fibrosis)"),
    _row("A16AB", (H.GENETIC, _T), "enzyme replacement in inherited metabolic diseases"),
    _row("B02BD", (H.GENETIC, _T), "coagulation factors (haemophilia, von Willebrand)"),
    _row("A01", (), "stomatological preparations (mouthwashes, fluoride)"),
    _row("A11", (), "vitamins"),
    _row("A12", (), "mineral supplements (calcium, potassium, magnesium…)"),
    _row("A13", (), "tonics"),
    _row("B05", (), "blood substitutes and perfusion solutions (saline, glucose, albumin)"),
    _row("D02", (), "emollients and protectives"),
    _row("D08", (), "antiseptics and disinfectants"),
    _row("D09", (), "medicated dressings"),
    _row("R02AA", (), "throat antiseptics"),
    _row("V01", (), "allergen extracts"),
    _row("V03AX", (), "other therapeutic products (trace elements)"),
    _row("V04", (), "diagnostic agents"),
    _row("V06", (), "general nutrients"),
    _row("V07", (), "all other non-therapeutic products"),
    _row("V08", (), "contrast media"),
    _row("V09", (), "diagnostic radiopharmaceuticals"),
    _row("V20", (), "surgical dressings"),
)

CIM10: tuple[CodeRow, ...] = (
    _row("B20-B24", (H.HIV,), "HIV disease"),
    _row("Z21", (H.HIV,), "asymptomatic HIV infection"),
    _row("R75", (H.HIV,), "laboratory evidence of HIV"),
    _row("Z114", (H.HIV,), "screening for HIV"),
    _row("Z206", (H.HIV,), "contact with and exposure to HIV"),
    _row("O987", (H.HIV, H.PREGNANCY), "HIV disease complicating pregnancy"),
    _row("C00-C97", (H.CANCER,), "malignant neoplasms"),
    _row("D00-D09", (H.CANCER,), "in situ neoplasms"),
    _row("D37-D48", (H.CANCER,), "neoplasms of uncertain or unknown behaviour"),
    _row("Z08", (H.CANCER,), "follow-up examination after treatment for malignant neoplasm"),
    _row("Z12", (H.CANCER,), "screening for neoplasms"),
    _row("Z85", (H.CANCER,), "personal history of malignant neoplasm"),
    _row("Z510", (H.CANCER, _T), "radiotherapy session"),
    _row("Z511", (H.CANCER, _T), "chemotherapy session for neoplasm"),
    _row("Q90-Q99", (H.GENETIC,), "chromosomal abnormalities"),
    _row(
        "D56-D58",
        (H.GENETIC,),
        "thalassaemia, sickle-cell disorders, hereditary haemolytic anaemias",
    ),
    _row("D66-D67", (H.GENETIC,), "hereditary factor VIII and IX deficiency (haemophilia)"),
    _row("D680", (H.GENETIC,), "von Willebrand disease"),
    _row("D685", (H.GENETIC,), "primary thrombophilia (factor V Leiden)"),
    _row("E70-E72", (H.GENETIC,), "inborn errors of amino-acid metabolism"),
    _row("E75-E77", (H.GENETIC,), "lysosomal storage disorders"),
    _row("E831", (H.GENETIC,), "disorders of iron metabolism (haemochromatosis)"),
    _row("E84", (H.GENETIC,), "cystic fibrosis"),
    _row("G10-G12", (H.GENETIC,), "Huntington disease, hereditary ataxia, spinal muscular atrophy"),
    _row("G710", (H.GENETIC,), "muscular dystrophy"),
    _row("Z137", (H.GENETIC,), "screening for chromosomal anomalies"),
    _row("Z315", (H.GENETIC,), "genetic counselling"),
    _row("O00-O99", (H.PREGNANCY,), "pregnancy, childbirth and the puerperium"),
    _row("Z31", (H.PREGNANCY,), "procreative management (fertility care)"),
    _row("Z32-Z39", (H.PREGNANCY,), "pregnancy tests, supervision, delivery, post-partum"),
    _row("N97", (H.PREGNANCY,), "female infertility"),
    _row("F10-F19", (H.ADDICTION,), "disorders due to alcohol, tobacco and other substances"),
    _row("K70", (H.ADDICTION,), "alcoholic liver disease"),
    _row("K860", (H.ADDICTION,), "alcohol-induced chronic pancreatitis"),
    _row("G312", (H.ADDICTION,), "degeneration of nervous system due to alcohol"),
    _row("G621", (H.ADDICTION,), "alcoholic polyneuropathy"),
    _row("I426", (H.ADDICTION,), "alcoholic cardiomyopathy"),
    _row("Z502-Z503", (H.ADDICTION,), "alcohol and drug rehabilitation"),
    _row("Z714-Z716", (H.ADDICTION,), "counselling for alcohol, drug or tobacco use"),
    _row("Z720-Z722", (H.ADDICTION,), "tobacco, alcohol or drug use"),
    _row("Z864", (H.ADDICTION,), "personal history of psychoactive substance abuse"),
    _row("F00-F09", (H.MENTAL_HEALTH,), "organic mental disorders, dementia"),
    _row("F20-F69", (H.MENTAL_HEALTH,), "psychotic, mood, anxiety, personality disorders"),
    _row("F80-F99", (H.MENTAL_HEALTH,), "developmental, behavioural and unspecified disorders"),
    _row("G30", (H.MENTAL_HEALTH,), "Alzheimer disease"),
    _row("X60-X84", (H.MENTAL_HEALTH,), "intentional self-harm"),
    _row("Z915", (H.MENTAL_HEALTH,), "personal history of self-harm"),
    _row("F52", (H.SEXUAL_HEALTH,), "sexual dysfunction"),
    _row(
        "F64-F66", (H.SEXUAL_HEALTH,), "gender identity and sexual preference (not an illness here)"
    ),
    _row(
        "A50-A64", (H.SEXUAL_HEALTH,), "infections with a predominantly sexual mode of transmission"
    ),
    _row("N484", (H.SEXUAL_HEALTH,), "impotence of organic origin"),
    _row("T742", (H.SEXUAL_HEALTH,), "sexual abuse"),
    _row("Y05", (H.SEXUAL_HEALTH,), "sexual assault"),
    _row("Z113", (H.SEXUAL_HEALTH,), "screening for sexually transmitted infections"),
    _row(
        "Z202", (H.SEXUAL_HEALTH,), "contact with and exposure to sexually transmitted infections"
    ),
    _row("Z30", (H.SEXUAL_HEALTH,), "contraceptive management"),
    _row("Z725", (H.SEXUAL_HEALTH,), "high-risk sexual behaviour"),
    _row("F70-F79", (H.DISABILITY,), "intellectual disability"),
    _row("G80-G83", (H.DISABILITY,), "cerebral palsy, hemiplegia, paraplegia and tetraplegia"),
    _row("H54", (H.DISABILITY,), "blindness and low vision"),
    _row("H90-H91", (H.DISABILITY,), "hearing loss"),
    _row("Z736", (H.DISABILITY,), "limitation of activities due to disability"),
    _row("Z74", (H.DISABILITY,), "dependence on a care provider"),
    _row("Z993", (H.DISABILITY,), "dependence on a wheelchair"),
    _row("Z49", (_T,), "care involving dialysis"),
    _row("Z512", (_T,), "other chemotherapy"),
    _row("Z921-Z923", (_T,), "long-term anticoagulants or other drugs, irradiation"),
    _row("Z94", (_T,), "transplanted organ and tissue status"),
    _row("Z992", (_T,), "dependence on renal dialysis"),
)


def _most_specific(table: tuple[CodeRow, ...], code: str) -> CodeRow | None:
    """The row with the longest ``first`` that covers the code; among equals, the later one."""
    best: CodeRow | None = None
    for row in table:
        if row.covers(code) and (best is None or len(row.first) >= len(best.first)):
            best = row
    return best


def atc_categories(code: str) -> frozenset[H]:
    """What a drug of this ATC code counts as; empty when its class is not counted at all."""
    row = _most_specific(ATC, code)
    return row.categories if row is not None else frozenset({_T})


def cim10_categories(code: str) -> frozenset[H]:
    """What a diagnosis of this CIM-10 code counts as; empty when it is none of the categories."""
    row = _most_specific(CIM10, code)
    return row.categories if row is not None else frozenset()
