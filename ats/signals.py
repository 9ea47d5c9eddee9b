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

# Sent after a document stored as pending (the scanner was down at intake) was rescanned
# and found clean (ats.vault.lifecycle.document_rescan), with document=<Document>. No
# plaintext: a receiver that needs the content reads it through the vault's reader.
document_scanned_clean = Signal()
