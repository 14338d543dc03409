"""A tenant: one product using Threadline, with its own users, comments and signing secret."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tenant:
    id: str
    name: str
    secret: str
    created_at: str
