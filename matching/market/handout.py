"""What a case manager hands the client about a program: who to call, where, what it costs.

The catalog row (``matching.market.programs.PROGRAM_COLUMNS``) carries the ETPL's contact,
address and cost columns flat; these models group them the way a referral, a program
detail page and a printed handout read them. One builder for all of them, so a referral
and ``GET /v1/programs/{id}`` can never show different phone numbers for one program.
Every field is null when the list does not give it: an unknown is shown as unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field


class ProgramAddress(BaseModel):
    """Where classes are held (the provider's listed address)."""

    street: str | None = None
    city: str | None = None
    county: str | None = None
    state: str | None = None
    zip: str | None = None


class ProviderContact(BaseModel):
    """The provider and the person to call about the program, as the ETPL lists them."""

    provider_id: str | None = None
    name: str | None = Field(None, description="provider name; null without a provider record")
    phone: str | None = Field(None, examples=["(609) 555-0142"])
    website: str | None = Field(None, examples=["https://www.mercercc.edu"])
    email: str | None = Field(None, description="one or more, separated by '; '")
    contact_name: str | None = Field(None, description="the program's contact person")
    contact_title: str | None = None
    contact_phone: str | None = None
    address: ProgramAddress = ProgramAddress()


class CostBreakdown(BaseModel):
    """The listed cost parts in US dollars; ``total`` is the list's own total."""

    tuition: float | None = None
    fees: float | None = None
    books: float | None = None
    supplies: float | None = None
    other: float | None = None
    total: float | None = None


def provider_contact(row: Mapping[str, Any]) -> ProviderContact:
    """The provider block from a catalog row (missing columns read as unknown)."""
    return ProviderContact(
        provider_id=row.get("provider_id"),
        name=row.get("provider_name"),
        phone=row.get("provider_phone"),
        website=row.get("provider_website"),
        email=row.get("provider_email"),
        contact_name=row.get("contact_name"),
        contact_title=row.get("contact_title"),
        contact_phone=row.get("contact_phone"),
        address=ProgramAddress(
            **{k: row.get(f"location_{k}") for k in ProgramAddress.model_fields}
        ),
    )


def cost_breakdown(row: Mapping[str, Any]) -> CostBreakdown:
    """The cost parts from a catalog row."""
    return CostBreakdown(**{k: row.get(f"cost_{k}") for k in CostBreakdown.model_fields})


def handout_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a referral adds for the client: provider, cost_breakdown, schedule_text."""
    return {
        "provider": provider_contact(row),
        "cost_breakdown": cost_breakdown(row),
        "schedule_text": row.get("schedule_text"),
    }
