"""Default decision email templates in English and German, edited by HR afterwards."""

from __future__ import annotations

from django.db import migrations

TEMPLATES = {
    ("reject", "en"): (
        "Your application: {vacancy_title}",
        "Dear {first_name} {last_name},\n\nthank you for your interest in the position "
        '"{vacancy_title}" and for the time you gave us. After careful consideration we '
        "have decided not to continue with your application.\n\nWe keep your application "
        "data for six months from today, in case of questions about this decision, and "
        "then erase it, unless you joined our talent pool.\n\nKind regards\n{site_name}",
    ),
    ("reject", "de"): (
        "Ihre Bewerbung: {vacancy_title}",
        "Guten Tag {first_name} {last_name},\n\nvielen Dank für Ihr Interesse an der Stelle "
        "„{vacancy_title}“ und die Zeit, die Sie sich für uns genommen haben. Nach "
        "sorgfältiger Prüfung haben wir uns entschieden, Ihre Bewerbung nicht "
        "weiterzuverfolgen.\n\nWir bewahren Ihre Bewerbungsdaten ab heute sechs Monate für "
        "Rückfragen zu dieser Entscheidung auf und löschen sie dann, es sei denn, Sie sind "
        "in unserem Talentpool.\n\nMit freundlichen Grüßen\n{site_name}",
    ),
    ("offer", "en"): (
        "Your application: {vacancy_title}",
        "Dear {first_name} {last_name},\n\nwe are delighted to offer you the position "
        '"{vacancy_title}". We will send you the details of our offer separately and '
        "look forward to your answer.\n\nKind regards\n{site_name}",
    ),
    ("offer", "de"): (
        "Ihre Bewerbung: {vacancy_title}",
        "Guten Tag {first_name} {last_name},\n\nwir freuen uns, Ihnen die Stelle "
        "„{vacancy_title}“ anbieten zu können. Die Einzelheiten unseres Angebots senden "
        "wir Ihnen gesondert und freuen uns auf Ihre Antwort.\n\nMit freundlichen "
        "Grüßen\n{site_name}",
    ),
    ("hire", "en"): (
        "Welcome: {vacancy_title}",
        'Dear {first_name} {last_name},\n\nwelcome aboard as "{vacancy_title}"! We keep '
        "the data of your application for the duration of your employment.\n\nKind "
        "regards\n{site_name}",
    ),
    ("hire", "de"): (
        "Willkommen: {vacancy_title}",
        "Guten Tag {first_name} {last_name},\n\nwillkommen an Bord als „{vacancy_title}“! "
        "Die Daten Ihrer Bewerbung bewahren wir für die Dauer Ihres Arbeitsverhältnisses "
        "auf.\n\nMit freundlichen Grüßen\n{site_name}",
    ),
}
CRITERIA = ["Skills", "Experience", "Communication", "Motivation"]


def create(apps, schema_editor):
    DecisionTemplate = apps.get_model("ats", "DecisionTemplate")
    for (kind, language), (subject, body) in TEMPLATES.items():
        DecisionTemplate.objects.get_or_create(
            kind=kind, language=language, defaults={"subject": subject, "body": body}
        )
    Stage = apps.get_model("ats", "Stage")
    Stage.objects.filter(kind__in=["screening", "interview", "offer"], criteria=[]).update(
        criteria=CRITERIA
    )


def remove(apps, schema_editor):
    apps.get_model("ats", "DecisionTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("ats", "0006_workspace")]

    operations = [migrations.RunPython(create, remove)]
