from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """For tests only: the same algorithm and format with the smallest work factors."""

    time_cost = 1
    memory_cost = 8
    parallelism = 1
