"""A requester's data requests, answered by an administrator: everything held about a contact,
and erasing it (``services/privacy.py``). The contact travels in the body, never in a URL (URLs
are logged)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import body, json_response, principal, route
from chalicelib.api.schemas import CardHeldView, ErasureView, FileHeldView, HeldAboutView
from chalicelib.bootstrap import container
from chalicelib.services.commands import DataRequestIn, ErasureIn
from chalicelib.services.privacy import Contact

privacy = Blueprint(__name__)
TAG = "Administration"


@route(
    privacy,
    "/admin/data-requests/export",
    "POST",
    summary="Everything held about a contact: their cards with history, messages, files",
    tag=TAG,
    staff=True,
    request=DataRequestIn,
    response=HeldAboutView,
    errors=(400, 401, 403, 404, 413),
)
def export() -> Response:
    asked = body(DataRequestIn)
    held = container().privacy.held_about(principal(), Contact(asked.email, asked.phone))
    return json_response(
        HeldAboutView(
            cards=[
                CardHeldView(
                    number=h.card.number,
                    card=h.card.model_dump(mode="json"),
                    history=[e.model_dump(mode="json") for e in h.history],
                    messages=[m.model_dump(mode="json") for m in h.messages],
                    files=[FileHeldView(**vars(f)) for f in h.files],
                )
                for h in held
            ]
        )
    )


@route(
    privacy,
    "/admin/data-requests/erase",
    "POST",
    summary="Erase a contact's personal data from every card of theirs (cannot be undone)",
    tag=TAG,
    staff=True,
    request=ErasureIn,
    response=ErasureView,
    errors=(400, 401, 403, 404, 409, 413),
)
def erase() -> Response:
    asked = body(ErasureIn)
    done = container().privacy.erase_contact(
        principal(), Contact(asked.email, asked.phone), f"data request: {asked.reason}"
    )
    return json_response(ErasureView(**vars(done)))
