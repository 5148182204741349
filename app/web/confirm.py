"""The one confirmation step before an action that cannot be undone: a page "Are you sure you want to …?" saying
what will happen (a GOV.UK warning text), with a button that POSTs the action and a cancel link. It needs no
JavaScript: the page's own button is a plain GET form (or link) to the confirmation page, carrying what the user
saw (the ETag); the confirmation's form POSTs to the action's route, which does it and redirects.

    @router.get("/items/{item_id}/delete")                               # the confirmation page
    async def confirm_delete(web: SignedInWeb, item_id: str, etag: str = "") -> Response:
        item = await web.fetch(f"/prevent/items/{item_id}")
        return confirm_page(web, Confirmation(
            question="Are you sure you want to remove this item?", button="Remove this item",
            action=f"/prevent/items/{item_id}/delete", cancel=f"/prevent/items/{item_id}",
            warning="The item and its progress updates will be removed. This cannot be undone.",
            details=[("Item", item["title"])], hidden={"etag": etag}))

Pages show the step's entry with `confirm_button(text, url, hidden)` from `macros/confirm.html`.

Also here: `show_once` / `take_once`, for a page that shows a secret once after post/redirect/get (a new API key,
a feed's signing secret): the POST keeps it in the encrypted session for one view and redirects; a refresh of the
page that shows it never posts again and finds nothing more to show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import Response

from app.web.deps import Web


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation page says and where its button posts.

    question: the heading ("Are you sure you want to approve this plan?"); button: the POST button's words (the
    action's own, e.g. "Approve this plan"); action: the route that does it; cancel: where "Cancel" goes back to;
    warning: what will happen (shown as GOV.UK warning text); details: (label, value) rows saying what it is about;
    hidden: fields the POST carries (the ETag the user saw, values to record); destructive: a red warning button
    (False for a positive act such as approving).
    """

    question: str
    button: str
    action: str
    cancel: str
    warning: str
    details: Sequence[tuple[str, str]] = ()
    hidden: Mapping[str, str] = field(default_factory=dict)
    destructive: bool = True
    caption: str | None = None

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The details as GOV.UK summary list rows."""
        return [{"key": {"text": key}, "value": {"text": value}} for key, value in self.details]


def confirm_page(web: Web, confirmation: Confirmation, *, marking: str | None = None, status: int = 200) -> Response:
    """Render the confirmation page (`confirm.html`, macro `confirmation` in `macros/confirm.html`)."""
    extra: dict[str, Any] = {"marking": marking} if marking else {}
    return web.render("confirm.html", status=status, confirmation=confirmation, **extra)


def show_once(web: Web, name: str, value: Any) -> None:
    """Keep `value` in the encrypted session for the next view of the page that takes it."""
    web.session.once[name] = value
    web.session.dirty = True


def take_once(web: Web, name: str) -> Any:
    """The value kept by `show_once`, removed so it is shown once (None if there is nothing to show)."""
    if name not in web.session.once:
        return None
    web.session.dirty = True
    return web.session.once.pop(name)
