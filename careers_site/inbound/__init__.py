"""Applications by email: the anymail inbound webhooks and `manage.py ingest_email` both
hand a message to one service (ingest.inbound_message_ingest). See docs/inbound-email.md."""
