"""Names shown to people for the ids used in case files (translated interface strings)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

MODULES = {
    "thb-basics": _l("Trafficking in human beings: the basics"),
    "rights-access": _l("Victims' rights and access to health care"),
    "role-of-health": _l("Why health professionals matter"),
    "trauma-informed-care": _l("Trauma-informed, gender-sensitive, culturally competent care"),
    "identification": _l("Identification and indicators"),
    "communication": _l("Communicating with survivors"),
    "safe-referral": _l("Safe referral"),
    "long-term-care": _l("The long-term role of health professionals"),
    "covid-19": _l("The impact of Covid-19 on services"),
}

SETTINGS = {
    "emergency-department": _l("Emergency department"),
    "prenatal-care": _l("Prenatal care"),
    "primary-care": _l("Primary care"),
    "migrant-reception": _l("Migrant reception health service"),
    "sexual-health-clinic": _l("Sexual and reproductive health clinic"),
    "occupational-injury": _l("Occupational injury"),
    "paediatric-care": _l("Paediatric care"),
    "teleconsultation": _l("Teleconsultation"),
    "long-term-follow-up": _l("Long-term follow-up"),
}

REFERRAL_KINDS = {
    "nrm": _l("National referral mechanism"),
    "hotline": _l("Helpline"),
    "organisation": _l("Specialised support"),
    "emergency": _l("Emergency and police"),
    "child-protection": _l("Child protection"),
    "labour": _l("Labour exploitation"),
}
