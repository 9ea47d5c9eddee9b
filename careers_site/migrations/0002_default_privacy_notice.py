"""The default privacy notice for applicants, in English and German. Operators adapt it
in the admin; the placeholders keep the periods in step with the retention settings."""

from __future__ import annotations

from django.db import migrations

EN = """## Who is responsible
{site_name} is the controller of the personal data you give us when you apply. For any question about your data, or to exercise your rights, write to {privacy_contact}.

## What we collect when you apply
Your first and last name, email address and telephone number, your LinkedIn profile if you give it, and how you heard about us. The CV, cover letter and references you upload, which may contain further data such as your date of birth or address. If you choose to, a self-declared gender, which we use only for anonymised statistics.

## Special categories of data
Information on a disability or accommodation needs, ethnic origin, or a handwritten signature in your documents are special categories of personal data. We process them only if you tick the separate consent for them; that consent is never required to apply. Only our HR department sees them. You can withdraw that consent at any time, effective immediately: the data is then erased at once.

## Why, and on what legal basis
We use your data only to decide on your application: it is a step before a possible employment contract (Art. 6(1)(b) and Art. 88 GDPR with section 26 BDSG). Special categories are processed on your explicit consent (Art. 9(2)(a) GDPR).

## Who sees your application
Our HR department and the people deciding on the vacancy you applied for. An unsolicited application is seen by HR only. Management sees anonymised statistics, never a person. Your files are transmitted over TLS, checked for viruses and stored encrypted.

## How long we keep it
Until {application_retention_months} months after we tell you our decision on the vacancy. Then your data is deleted, or anonymised into statistics that cannot identify you (for example the share of applications per month or per channel). If you are offered and accept a position, we keep your application data for the duration of your employment.

## Talent pool
With your separate consent we keep your application for {talent_pool_months} months in our talent pool, to consider you for future vacancies. We ask before that time ends whether you want to renew. Without renewal, or when you withdraw consent, your data is removed from the pool at once.

## Your rights
You may ask for access to your data (Art. 15 GDPR), a copy in a machine-readable format (Art. 20), rectification (Art. 16), erasure (Art. 17) and restriction (Art. 18), object to processing (Art. 21), and withdraw any consent at any time with effect for the future (Art. 7(3)). We confirm your identity by email; we do not answer questions about personal data by telephone, because a caller's identity cannot be established with enough certainty. You may also lodge a complaint with a data protection supervisory authority.
"""

DE = """## Wer verantwortlich ist
{site_name} ist verantwortlich für die personenbezogenen Daten, die Sie uns mit Ihrer Bewerbung geben. Für Fragen zu Ihren Daten oder um Ihre Rechte auszuüben, schreiben Sie an {privacy_contact}.

## Was wir bei einer Bewerbung erheben
Vor- und Nachname, E-Mail-Adresse und Telefonnummer, Ihr LinkedIn-Profil, wenn Sie es angeben, und wie Sie auf uns aufmerksam geworden sind. Den Lebenslauf, das Anschreiben und die Zeugnisse, die Sie hochladen und die weitere Daten wie Geburtsdatum oder Anschrift enthalten können. Wenn Sie möchten, ein selbst angegebenes Geschlecht, das wir nur für anonymisierte Statistiken verwenden.

## Besondere Kategorien von Daten
Angaben zu einer Behinderung oder zu Unterstützungsbedarf, zur ethnischen Herkunft oder eine handschriftliche Unterschrift in Ihren Dokumenten sind besondere Kategorien personenbezogener Daten. Wir verarbeiten sie nur, wenn Sie die gesonderte Einwilligung dafür ankreuzen; für die Bewerbung ist diese Einwilligung nie nötig. Nur unsere Personalabteilung sieht sie. Sie können die Einwilligung jederzeit mit sofortiger Wirkung widerrufen; die Daten werden dann sofort gelöscht.

## Wozu und auf welcher Rechtsgrundlage
Wir verwenden Ihre Daten nur, um über Ihre Bewerbung zu entscheiden: Das ist ein Schritt vor einem möglichen Arbeitsvertrag (Art. 6 Abs. 1 lit. b und Art. 88 DSGVO in Verbindung mit § 26 BDSG). Besondere Kategorien verarbeiten wir auf Grundlage Ihrer ausdrücklichen Einwilligung (Art. 9 Abs. 2 lit. a DSGVO).

## Wer Ihre Bewerbung sieht
Unsere Personalabteilung und die Personen, die über die Stelle entscheiden, auf die Sie sich beworben haben. Eine Initiativbewerbung sieht nur die Personalabteilung. Die Geschäftsleitung sieht anonymisierte Statistiken, nie eine Person. Ihre Dateien werden per TLS übertragen, auf Viren geprüft und verschlüsselt gespeichert.

## Wie lange wir sie aufbewahren
Bis {application_retention_months} Monate, nachdem wir Ihnen unsere Entscheidung über die Stelle mitgeteilt haben. Danach werden Ihre Daten gelöscht oder zu Statistiken anonymisiert, die Sie nicht erkennen lassen (zum Beispiel der Anteil der Bewerbungen je Monat oder je Kanal). Wenn Ihnen eine Stelle angeboten wird und Sie sie annehmen, bewahren wir Ihre Bewerbungsdaten für die Dauer Ihres Arbeitsverhältnisses auf.

## Talentpool
Mit Ihrer gesonderten Einwilligung nehmen wir Ihre Bewerbung für {talent_pool_months} Monate in unseren Talentpool auf, um Sie für künftige Stellen zu berücksichtigen. Vor Ablauf fragen wir, ob Sie verlängern möchten. Ohne Verlängerung oder wenn Sie die Einwilligung widerrufen, werden Ihre Daten sofort aus dem Pool entfernt.

## Ihre Rechte
Sie haben das Recht auf Auskunft (Art. 15 DSGVO), eine Kopie in einem maschinenlesbaren Format (Art. 20), Berichtigung (Art. 16), Löschung (Art. 17) und Einschränkung der Verarbeitung (Art. 18), auf Widerspruch (Art. 21) und darauf, jede Einwilligung jederzeit mit Wirkung für die Zukunft zu widerrufen (Art. 7 Abs. 3). Wir bestätigen Ihre Identität per E-Mail; Fragen zu personenbezogenen Daten beantworten wir nicht am Telefon, weil sich die Identität eines Anrufers nicht sicher genug feststellen lässt. Sie können sich außerdem bei einer Datenschutz-Aufsichtsbehörde beschweren.
"""


def create(apps, schema_editor):
    PrivacyNotice = apps.get_model("careers_site", "PrivacyNotice")
    PrivacyNotice.objects.get_or_create(
        language="en", defaults={"title": "Privacy notice for applicants", "body": EN}
    )
    PrivacyNotice.objects.get_or_create(
        language="de", defaults={"title": "Datenschutzhinweise für Bewerbende", "body": DE}
    )


def remove(apps, schema_editor):
    apps.get_model("careers_site", "PrivacyNotice").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("careers_site", "0001_privacy_notice")]

    operations = [migrations.RunPython(create, remove)]
