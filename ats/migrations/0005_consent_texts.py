"""Version 1 of the consent texts, in English and German. A text that someone has
consented to is never edited: a change is a new version."""

from __future__ import annotations

from django.db import migrations

TEXTS = {
    ("special_category", "en"): (
        "I consent to the processing of the special categories of personal data that I "
        "give in this section, and that my uploaded documents may contain (for example "
        "health or disability information, ethnic origin, or my handwritten signature), "
        "for this application only (Art. 9(2)(a) GDPR). Only the HR department sees them. "
        "I can withdraw this consent at any time, effective immediately, through the link "
        "in the confirmation email or the self-service page; the data is then erased."
    ),
    ("special_category", "de"): (
        "Ich willige ein, dass die besonderen Kategorien personenbezogener Daten, die ich "
        "in diesem Abschnitt angebe und die meine hochgeladenen Dokumente enthalten können "
        "(zum Beispiel Angaben zu Gesundheit oder Behinderung, ethnische Herkunft oder meine "
        "handschriftliche Unterschrift), nur für diese Bewerbung verarbeitet werden (Art. 9 "
        "Abs. 2 lit. a DSGVO). Nur die Personalabteilung sieht sie. Ich kann diese "
        "Einwilligung jederzeit mit sofortiger Wirkung über den Link in der "
        "Bestätigungs-E-Mail oder die Selbstauskunftsseite widerrufen; die Daten werden "
        "dann gelöscht."
    ),
    ("talent_pool", "en"): (
        "I consent to being kept in the talent pool, so that I may be considered for "
        "future vacancies, with the data of this application, for six months (Art. 6(1)(a) "
        "and, for special categories, Art. 9(2)(a) GDPR). Before the six months end I will "
        "be asked whether I want to renew. I can withdraw this consent at any time, "
        "effective immediately; my data is then no longer kept for this purpose."
    ),
    ("talent_pool", "de"): (
        "Ich willige ein, mit den Daten dieser Bewerbung für sechs Monate in den "
        "Talentpool aufgenommen zu werden, damit ich für künftige Stellen berücksichtigt "
        "werden kann (Art. 6 Abs. 1 lit. a und, für besondere Kategorien, Art. 9 Abs. 2 "
        "lit. a DSGVO). Vor Ablauf der sechs Monate werde ich gefragt, ob ich verlängern "
        "möchte. Ich kann diese Einwilligung jederzeit mit sofortiger Wirkung widerrufen; "
        "meine Daten werden dann nicht mehr zu diesem Zweck aufbewahrt."
    ),
}


def create(apps, schema_editor):
    ConsentText = apps.get_model("ats", "ConsentText")
    for (purpose, language), text in TEXTS.items():
        ConsentText.objects.get_or_create(
            purpose=purpose, version=1, language=language, defaults={"text": text}
        )


def remove(apps, schema_editor):
    apps.get_model("ats", "ConsentText").objects.filter(version=1, consents=None).delete()


class Migration(migrations.Migration):
    dependencies = [("ats", "0004_application_submission_and_special_category")]

    operations = [migrations.RunPython(create, remove)]
