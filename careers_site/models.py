from __future__ import annotations

from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

PLACEHOLDERS = (
    "{site_name}",
    "{privacy_contact}",
    "{application_retention_months}",
    "{talent_pool_months}",
)


def _body_help_text() -> str:
    # Filled in when shown, not at import: "_(...) % {...}" would translate it once, in
    # the default language.
    return gettext(
        "Plain text; a blank line starts a new paragraph, a line starting with '## ' "
        "a heading. Placeholders filled in when shown: %(placeholders)s."
    ) % {"placeholders": ", ".join(PLACEHOLDERS)}


class PrivacyNotice(models.Model):
    """The privacy notice shown at /privacy/, one per language, edited by the operator.

    Retention periods are written as placeholders and filled in from the same settings
    the retention jobs use, so the notice and the behaviour cannot disagree.
    """

    language = models.CharField(_("language"), max_length=8, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("body"),
        help_text=lazy(_body_help_text, str)(),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["language"]
        verbose_name = _("privacy notice")

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


# The inbound email channel's bookkeeping lives with its code (careers_site/inbound/).
from careers_site.inbound.models import InboundMessage  # noqa: E402

__all__ = ["InboundMessage", "PrivacyNotice"]
