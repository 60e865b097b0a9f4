"""Duplicates: a card's likely repeats and merging them (staff), "Already reported nearby?" on
the form and following a request instead of filing it (citizens), and stopping that."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import (
    STAFF_ERRORS,
    body,
    card_action,
    card_number,
    card_read,
    header,
    json_response,
    principal,
    query,
    route,
)
from chalicelib.api.queries import LocaleQuery, SimilarQuery
from chalicelib.api.schemas import (
    CardDuplicatesView,
    FollowView,
    LikelyDuplicateView,
    SimilarRequestView,
    SimilarView,
    UnfollowView,
)
from chalicelib.bootstrap import container
from chalicelib.domain.rate_limits import ClientLimit
from chalicelib.services.commands import FollowCreate, MergeInto, SplitOff
from chalicelib.services.duplicates import NO_REQUEST

duplicates = Blueprint(__name__)
TAG = "Duplicates"
LINK_HEADER = "X-Unfollow-Token"


@route(
    duplicates,
    "/staff/cards/{number}/duplicates",
    "GET",
    summary="Likely duplicates of a card (same topic, near, alike), with the reasons; the "
    "same requester's earlier card; what it was merged with",
    tag=TAG,
    staff=True,
    query=LocaleQuery,
    response=CardDuplicatesView,
    errors=STAFF_ERRORS,
)
def card_duplicates(number: str) -> Response:
    asked = query(LocaleQuery)
    c = container()
    found = c.duplicates.of_card(principal(), card_number(number))
    tree = c.directory.categories()
    return json_response(
        CardDuplicatesView(
            number=found.card.number,
            likely=[LikelyDuplicateView.of(f, tree, asked.locale) for f in found.likely],
            repeat_of=found.repeat_of,
            duplicate_of=found.merged_into,
            merged=found.merged,
            followers=found.followers,
        )
    )


@card_action(
    duplicates,
    "/staff/cards/{number}/merge",
    summary="Merge this card into another as its duplicate: it closes, its requester follows "
    "the other, both histories record it",
    tag=TAG,
    request=MergeInto,
)
def merge(number: str) -> Response:
    return card_read(
        container().duplicates.merge(principal(), card_number(number), body(MergeInto))
    )


@card_action(
    duplicates,
    "/staff/cards/{number}/split",
    summary="Undo a merge (the department's manager): the card back to its state and deadlines",
    tag=TAG,
    request=SplitOff,
)
def split(number: str) -> Response:
    return card_read(container().duplicates.split(principal(), card_number(number), body(SplitOff)))


@route(
    duplicates,
    "/places/similar",
    "GET",
    summary="Already reported nearby? Requests of the form's topic near its place (topic, "
    "place, status, age, a photo; nothing personal, never a sensitive topic)",
    tag=TAG,
    query=SimilarQuery,
    response=SimilarView,
    errors=(400,),
    limits=(ClientLimit.PLACE_LOOKUPS,),
)
def similar() -> Response:
    asked = query(SimilarQuery)
    c = container()
    found = c.duplicates.on_form(
        asked.category,
        latitude=asked.latitude,
        longitude=asked.longitude,
        address=asked.address,
        text=asked.text,
    )
    tree = c.directory.categories()
    now = c.clock.now()
    return json_response(
        SimilarView(
            requests=[
                SimilarRequestView(
                    number=f.twin.number,
                    category=f.twin.category,
                    topic=tree.label(f.twin.category, asked.locale),
                    status=f.twin.status,
                    age_days=max(0, (now - f.twin.created_at).days),
                    address=f.twin.address,
                    latitude=f.twin.latitude,
                    longitude=f.twin.longitude,
                    distance_metres=(
                        None if f.distance_metres is None else round(f.distance_metres)
                    ),
                    followers=f.twin.followers,
                    photo_url=c.duplicates.photo_link(f),
                )
                for f in found
            ]
        ),
        headers={"Cache-Control": "no-store"},
    )


@route(
    duplicates,
    "/requests/{number}/followers",
    "POST",
    summary='"Me too": follow a request someone else made (a contact and consent); the '
    "follower is told of its progress, never who made it",
    tag=TAG,
    request=FollowCreate,
    response=FollowView,
    status=201,
    errors=(400, 404, 409, 413, 422),
)
def follow(number: str) -> Response:
    done = container().duplicates.follow(
        card_number(number, unknown=NO_REQUEST), body(FollowCreate)
    )
    return json_response(
        FollowView(number=done.number, already=done.already), status=200 if done.already else 201
    )


@route(
    duplicates,
    "/requests/{number}/followers/{follower}/stop",
    "POST",
    summary="Stop following, from the signed link in a follower's message (the token in "
    f"{LINK_HEADER})",
    tag=TAG,
    response=UnfollowView,
    headers=(LINK_HEADER,),
    errors=(400, 404, 409),
)
def unfollow(number: str, follower: str) -> Response:
    stopped = container().duplicates.unfollow(
        card_number(number, unknown=NO_REQUEST), follower, header(LINK_HEADER) or ""
    )
    return json_response(UnfollowView(number=stopped))
