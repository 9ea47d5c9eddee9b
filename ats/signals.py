"""Signals by which ats tells the apps built on it about domain events (DESIGN.md:
ats imports none of them)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the withdrawing transaction with consent=<Consent>.
consent_withdrawn = Signal()
