"""The privacy notice's text, with its placeholders filled from the settings that the
retention jobs read: what the notice promises is what the software does."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: list[str]


def values() -> dict[str, str]:
    return {
        "{site_name}": settings.ATS_SITE_NAME,
        "{privacy_contact}": settings.ATS_PRIVACY_CONTACT,
        "{application_retention_months}": str(settings.ATS_APPLICATION_RETENTION_MONTHS),
        "{talent_pool_months}": str(settings.ATS_TALENT_POOL_MONTHS),
    }


def fill(text: str) -> str:
    for placeholder, value in values().items():
        text = text.replace(placeholder, value)
    return text


def render_notice(body: str) -> list[Section]:
    """Split the plain-text body into sections ('## ' headings) of paragraphs; the
    template escapes every piece."""
    sections: list[Section] = []
    for block in fill(body).replace("\r\n", "\n").split("\n\n"):
        block = block.strip()
        if not block:
            continue
        if block.startswith("## "):
            heading, _, rest = block[3:].partition("\n")
            sections.append(Section(heading.strip(), [rest.strip()] if rest.strip() else []))
        elif sections:
            sections[-1].paragraphs.append(block)
        else:
            sections.append(Section("", [block]))
    return sections
