"""The API's enum values and the words pages show for them, in one place.

The web layer knows the API, not the models, so these mirror API.md. Iterating an `Options` gives its values in
order (so a template can loop over it); indexing it gives a value's label. The Jinja `label` filter reads every
label defined here, so a value reads the same on every page and in every conflict table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from app.core.vocabulary import SCOPES as API_SCOPES
from app.core.vocabulary import Classification, Role


def words(value: str | None) -> str:
    """An enum value as words by the default rule: `not_started` → `Not started`."""
    if not value:
        return ""
    return value.replace("_", " ").capitalize()


class Options(Mapping[str, str]):
    """An enum's values in the order pages offer them, each with its label (the default rule unless given)."""

    def __init__(self, *values: str, labels: Mapping[str, str] | None = None) -> None:
        given = dict(labels or {})
        self._labels = {value: given.get(value, words(value)) for value in values}

    def __getitem__(self, value: str) -> str:
        return self._labels[value]

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)

    def label(self, value: str | None) -> str:
        """A value's label; an unknown value by the default rule (the API may have added one)."""
        if not value:
            return ""
        return self._labels.get(value) or words(value)


def _as_given(*values: str) -> Options:
    """Values shown exactly as they are (markings, levels)."""
    return Options(*values, labels={v: v for v in values})


# Shared
CLASSIFICATIONS = _as_given("OFFICIAL", "OFFICIAL-SENSITIVE")
RESPONSE_LEVELS = Options("NORMAL", "HEIGHTENED", "EXCEPTIONAL")
THREAT_LEVELS = _as_given("LOW", "MODERATE", "SUBSTANTIAL", "SEVERE", "CRITICAL")
THREAT_SCOPES = Options(
    "UK",
    "NORTHERN_IRELAND",
    labels={"UK": "UK national", "NORTHERN_IRELAND": "Northern Ireland-related (in Northern Ireland)"},
)

# Prevent
KEY_AREAS = Options("ideology", "institutions", "safeguarding")
KEY_AREA_HINTS = {
    "ideology": "Tackling the ideological causes of terrorism: challenging extremist ideas and "
    "denying platforms to extremist speakers.",
    "institutions": "Working with schools, colleges, health, faith and other institutions where there are "
    "risks of radicalisation.",
    "safeguarding": "Making sure people at risk get advice and support early.",
}
KEY_AREA_ROWS = [(key, KEY_AREAS[key], KEY_AREA_HINTS[key]) for key in KEY_AREAS]  # (value, label, hint)
ITEM_STATUSES = Options("not_started", "in_progress", "complete", "cancelled")
RAGS = Options("red", "amber", "green")
PRIORITY_RATINGS = Options("high", "medium", "low")

# Protect
SITE_CATEGORIES = Options(
    "crowded_place",
    "iconic_site",
    "commercial_centre",
    "night_time_economy",
    "transport_hub",
    "place_of_worship",
    "government_building",
    "embassy",
    "education",
    "health",
    "other",
)
SITE_TIERS = Options("enhanced", "standard", "out_of_scope", "unknown")
RECOMMENDATION_STATUSES = Options("open", "accepted", "done", "rejected")
TRAINING_COURSES = Options(
    "act_awareness",
    "act_operational",
    "act_strategic",
    "prevent_awareness",
    "other",
    labels={"act_awareness": "ACT awareness", "act_operational": "ACT operational", "act_strategic": "ACT strategic"},
)
TRAINING_AUDIENCES = Options("staff", "business", "community", "partner")

# Prepare
PLAN_TYPES = Options(
    "emergency_response", "business_continuity", "warning_and_informing", "recovery", "site_specific", "other"
)
PLAN_STATUSES = Options("draft", "approved", "under_review", "retired")
PREVENT_PLAN_STATUSES = Options("draft", "submitted", "returned", "approved", "superseded")
RISK_RATINGS = Options("low", "medium", "high", "very_high")
EXERCISE_TYPES = Options("discussion", "tabletop", "command_post", "live")
LESSON_STATUSES = Options("open", "done", labels={"open": "Open", "done": "Done"})  # exercises and lessons
LIKELIHOOD = {1: "Less than 0.2%", 2: "0.2% to 1%", 3: "1% to 5%", 4: "5% to 25%", 5: "More than 25%"}
IMPACT = {1: "Minor", 2: "Limited", 3: "Moderate", 4: "Significant", 5: "Catastrophic"}

# Administration (the roles, clearances and scopes the API defines, from app.core.security)
ROLES = [role.value for role in Role]
CLEARANCES = [clearance.value for clearance in Classification]
SCOPES = list(API_SCOPES)
FEED_KINDS = Options(
    "mi5_rss",
    "push",
    labels={"mi5_rss": "MI5 threat level RSS (polled)", "push": "Signed push from a partner (police)"},
)

_EXPLICIT = [TRAINING_COURSES]  # labels that differ from the default rule wherever the value is shown
LABELS: dict[str, str] = {value: options[value] for options in _EXPLICIT for value in options}


def label(value: str | None) -> str:
    """Any enum value as the words pages use for it."""
    if not value:
        return ""
    return LABELS.get(value) or words(value)


def select_items(
    options: Iterable[str], selected: Any, blank: str | None = None, labels: bool = True
) -> list[dict[str, Any]]:
    """A GOV.UK select's items (labelled as here), with an optional blank first choice."""
    named = options if isinstance(options, Mapping) else None
    out = [{"value": "", "text": blank, "selected": not selected}] if blank is not None else []
    return out + [
        {
            "value": value,
            "text": (named[value] if named else label(value)) if labels else value,
            "selected": selected == value,
        }
        for value in options
    ]


# The audit log: what each kind of record is called, and each action in words.
AUDIT_ENTITIES = Options(
    "prevent_plan",
    "prevent_item",
    "threat_assessment",
    "site",
    "security_assessment",
    "training_session",
    "contingency_plan",
    "exercise",
    "lesson",
    "risk",
    "threat_level",
    "feed",
    "user",
    "api_key",
    labels={
        "prevent_plan": "Prevent plan",
        "prevent_item": "Prevent item",
        "threat_assessment": "Police threat assessment",
        "threat_level": "Threat level",
        "feed": "Threat feed",
        "user": "User",
        "api_key": "API key",
    },
)
_NOUNS = {
    value: AUDIT_ENTITIES[value] if value[:7] in {"prevent", "api_key"} else AUDIT_ENTITIES[value].lower()
    for value in AUDIT_ENTITIES
}


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0].lower() in "aeiou" else f"a {noun}"


AUDIT_ACTIONS = Options(
    "auth.login",
    "auth.login_failed",
    "auth.logout",
    "disclosure",
    *(f"{entity}.{verb}" for entity in AUDIT_ENTITIES for verb in ("create", "update", "delete")),
    "prevent_plan.approve",
    "prevent_plan.review",
    "prevent_plan.supersede",
    "prevent_item.progress",
    "threat_level.record",
    "feed.rotate_secret",
    "api_key.revoke",
    labels={
        "auth.login": "Signed in",
        "auth.login_failed": "Failed to sign in",
        "auth.logout": "Signed out",
        "disclosure": "Disclosed to a partner",
        **{f"{entity}.create": f"Added {_a(noun)}" for entity, noun in _NOUNS.items()},
        **{f"{entity}.update": f"Changed {_a(noun)}" for entity, noun in _NOUNS.items()},
        **{f"{entity}.delete": f"Deleted {_a(noun)}" for entity, noun in _NOUNS.items()},
        "prevent_plan.approve": "Approved a Prevent plan",
        "prevent_plan.review": "Started a review of a Prevent plan",
        "prevent_plan.supersede": "Superseded a Prevent plan",
        "prevent_item.progress": "Recorded progress on a Prevent item",
        "threat_level.record": "Recorded a threat level change",
        "feed.rotate_secret": "Replaced a threat feed's secret",
        "api_key.create": "Created an API key",
        "api_key.revoke": "Revoked an API key",
        "user.create": "Added a user",
    },
)
# Where a record of each kind is shown ({id} is its id); kinds without a page of their own link to their list.
AUDIT_PAGES = {
    "prevent_plan": "/prevent/plans/{id}",
    "prevent_item": "/prevent/items/{id}",
    "threat_assessment": "/prevent/threat-assessments/{id}",
    "site": "/protect/sites/{id}",
    "training_session": "/protect/training",
    "contingency_plan": "/prepare/plans/{id}",
    "exercise": "/prepare/exercises/{id}",
    "lesson": "/prepare/lessons?status=all",
    "risk": "/prepare/risks/{id}",
    "threat_level": "/threat-level",
    "feed": "/admin/feeds",
    "user": "/admin/users",
    "api_key": "/admin/api-keys",
}
# Field names whose words differ from the default rule (`next_review_due` → "Next review due").
AUDIT_FIELDS = {
    "rag": "RAG",
    "risk_ids": "Risks",
    "site_ids": "Sites",
    "plan_ids": "Plans",
    "plan_id": "Plan",
    "site_id": "Site",
    "ids": "Records",
    "count": "Number of records",
    "path": "Read through",
    "radius_m": "Radius (metres)",
    "url": "Address",
    "uprn": "UPRN",
    "lat": "Latitude",
    "lon": "Longitude",
}
ENUM_LABELS = {
    value: group[value]
    for group in (
        KEY_AREAS,
        ITEM_STATUSES,
        RAGS,
        PRIORITY_RATINGS,
        SITE_CATEGORIES,
        SITE_TIERS,
        RECOMMENDATION_STATUSES,
        TRAINING_COURSES,
        TRAINING_AUDIENCES,
        PLAN_TYPES,
        PLAN_STATUSES,
        RISK_RATINGS,
        EXERCISE_TYPES,
        FEED_KINDS,
    )
    for value in group
}  # stored values the audit log shows as words
