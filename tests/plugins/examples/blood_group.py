"""A detector plug-in: blood groups (ABO and rhesus), a category sceau does not have."""

from sceau.detect.base import Category, Detector, Sensitivity

BLOOD_GROUP = Category.declare(
    "BLOOD_GROUP", Sensitivity.SPECIAL, "blood groups and rhesus factors (health data)"
)


class BloodGroup(Detector):
    """``A+``, ``O-``, ``AB Rh+``: the group, then the rhesus factor."""

    name = "blood_group"
    category = BLOOD_GROUP
    pattern = r"(?:AB|A|B|O) ?(?:Rh ?)?[+-]"
    header_words = ("abo", "rhesus", "sanguin")
