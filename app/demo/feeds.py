"""A disabled MI5 feed, so the feeds page shows how it works without polling the real site uninvited."""

from __future__ import annotations

from sqlmodel import Session, select

from app.models.feeds import Feed, FeedCreate, FeedKind
from app.services import feeds

ORDER = 20
MI5_URL = "https://www.mi5.gov.uk/UKThreatLevel/UKThreatLevel.xml"
NAME = "MI5 threat level (enable to poll)"


def load(session: Session, report: object) -> None:
    """Add the MI5 feed, disabled (an administrator enables it on the feeds page)."""
    if session.execute(select(Feed.id).where(Feed.url == MI5_URL)).first():
        return
    data = FeedCreate(name=NAME, kind=FeedKind.MI5_RSS, url=MI5_URL, enabled=False)
    feeds.create(session, data, actor=None, secret_key="")  # an RSS feed has no secret to seal
    notes = getattr(report, "notes", None)
    if isinstance(notes, list):
        notes.append("Feeds: the MI5 threat level feed is set up but disabled; enable it at /admin/feeds.")
