"""Signals by which ats tells the apps built on it about domain events (DESIGN.md:
ats imports none of them)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the withdrawing transaction with consent=<Consent>.
consent_withdrawn = Signal()

# Sent after the vault stored a document (ats.vault.intake), with document=<Document>
# and plaintext=<the bytes, in memory only>: the talent pool extracts the text for its
# search. A receiver must not keep, log or write the plaintext.
document_stored = Signal()
