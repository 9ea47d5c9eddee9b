"""The applicant's self-service for data subject rights, under /my-data/ (privacy policy
section 4, docs/self-service.md): sign-in by an emailed single-use link, what we hold,
the ZIP export, rectification, consent withdrawal, erasure, restriction and objection."""
