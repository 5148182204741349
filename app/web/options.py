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

# Warn and inform (public warnings): CAP 1.2's values, shown in plain words
ALERT_STATES = Options(
    "draft",
    "published",
    "superseded",
    "cancelled",
    "expired",
    labels={"draft": "Draft: awaiting approval", "superseded": "Replaced by an update"},
)
ALERT_STATE_TAGS = {  # GOV.UK tag colours
    "draft": "yellow",
    "published": "green",
    "superseded": "grey",
    "cancelled": "red",
    "expired": "grey",
}
ALERT_STATUSES = Options(
    "Actual",
    "Exercise",
    "Test",
    labels={"Actual": "A real warning", "Exercise": "An exercise", "Test": "A test of the systems"},
)
ALERT_MSG_TYPES = Options(
    "Alert", "Update", "Cancel", labels={"Alert": "New warning", "Update": "Update", "Cancel": "Cancellation"}
)
ALERT_CATEGORIES = Options(
    "Security",
    "Safety",
    "Health",
    "Transport",
    "Infra",
    "Fire",
    "Rescue",
    "CBRNE",
    "Env",
    "Met",
    "Geo",
    "Other",
    labels={
        "Security": "Security (terrorism, crime)",
        "Safety": "Public safety",
        "Health": "Health",
        "Transport": "Transport",
        "Infra": "Utilities and infrastructure",
        "Fire": "Fire",
        "Rescue": "Rescue and recovery",
        "CBRNE": "Chemical, biological, radiological, nuclear or explosive",
        "Env": "Pollution and the environment",
        "Met": "Weather",
        "Geo": "Geophysical (such as a landslide)",
        "Other": "Other",
    },
)
URGENCIES = Options(
    "Immediate",
    "Expected",
    "Future",
    "Past",
    "Unknown",
    labels={
        "Immediate": "Act now",
        "Expected": "Act soon (within the next hour)",
        "Future": "Act in the near future",
        "Past": "No action needed any more",
        "Unknown": "Not known",
    },
)
SEVERITIES = Options(
    "Extreme",
    "Severe",
    "Moderate",
    "Minor",
    "Unknown",
    labels={
        "Extreme": "Extreme: a threat to life",
        "Severe": "Severe: a significant threat to life or property",
        "Moderate": "Moderate: a possible threat to life or property",
        "Minor": "Minor: little or no threat to life or property",
        "Unknown": "Not known",
    },
)
CERTAINTIES = Options(
    "Observed",
    "Likely",
    "Possible",
    "Unlikely",
    "Unknown",
    labels={
        "Observed": "It is happening or has happened",
        "Likely": "Likely (more than half a chance)",
        "Possible": "Possible but not likely",
        "Unlikely": "Not expected",
        "Unknown": "Not known",
    },
)

# Community tensions
TENSION_CATEGORIES = Options(
    "protest",
    "hate_incident",
    "online",
    "event",
    "rumour",
    "other",
    labels={
        "protest": "A protest or demonstration",
        "hate_incident": "A hate incident",
        "online": "Something online",
        "event": "An event, here or abroad",
        "rumour": "A rumour",
        "other": "Something else",
    },
)
TENSION_TRIGGERS = Options(
    "local",
    "national",
    "international",
    labels={"local": "Something local", "national": "Something in the UK", "international": "Something abroad"},
)
REPORT_SOURCES = Options(
    "witnessed",
    "told",
    "online",
    "media",
    labels={
        "witnessed": "I saw or heard it myself",
        "told": "Someone told me",
        "online": "I saw it online",
        "media": "In the news",
    },
)
REPORT_STATUSES = Options(
    "new",
    "assessed",
    "monitoring",
    "closed",
    labels={"new": "New", "assessed": "Assessed", "monitoring": "Being monitored", "closed": "Closed"},
)
TRENDS = Options("rising", "stable", "falling")
EVENT_KINDS = Options(
    "protest",
    "march",
    "vigil",
    "embassy",
    "commemoration",
    "sporting",
    "cultural",
    "other",
    labels={"embassy": "Embassy event", "sporting": "Sporting event", "cultural": "Cultural event"},
)

# Administration (the roles, clearances and scopes the API defines, from app.core.security)
ROLES = [role.value for role in Role]
CLEARANCES = [clearance.value for clearance in Classification]
SCOPES = Options(
    *API_SCOPES,
    labels={
        "threat:write": "Record the threat level",
        "prevent:write": "Change Prevent records",
        "protect:write": "Change Protect records",
        "prepare:write": "Change Prepare records and draft public warnings",
        "tensions:write": "Assess community tension reports and change events",
        "governance:write": "Change working groups, meetings, actions and escalations",
        "prevent:read": "Read Prevent records",
        "protect:read": "Read Protect records",
        "prepare:read": "Read Prepare records",
        "tensions:read": "Read community tension reports and events",
        "governance:read": "Read governance records and the EMT report",
        "audit:read": "Read the audit log",
        "tensions:report": "Report community tensions",
        "admin": "Manage users, API keys and feeds",
        "approve": "Approve plans and warnings, and decide escalations",
    },
)
FEED_KINDS = Options(
    "mi5_rss",
    "push",
    labels={"mi5_rss": "MI5 threat level RSS (polled)", "push": "Signed push from a partner (police)"},
)

# Labels that differ from the default rule wherever the value is shown (CAP's values are unique to warnings).
_EXPLICIT = [TRAINING_COURSES, ALERT_STATUSES, ALERT_MSG_TYPES, ALERT_CATEGORIES, URGENCIES, SEVERITIES, CERTAINTIES]
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
    "alert",
    "tension_report",
    "community_event",
    labels={
        "prevent_plan": "Prevent plan",
        "prevent_item": "Prevent item",
        "threat_assessment": "Police threat assessment",
        "threat_level": "Threat level",
        "feed": "Threat feed",
        "user": "User",
        "api_key": "API key",
        "alert": "Public warning",
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
    "alert.approve",
    "alert.supersede",
    "alert.cancel",
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
        "alert.create": "Drafted a public warning",
        "alert.update": "Changed a draft public warning",
        "alert.approve": "Approved and published a public warning",
        "alert.supersede": "Replaced a public warning with an update",
        "alert.cancel": "Cancelled a public warning",
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
    "alert": "/prepare/alerts/{id}",
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

# Search
SEARCH_TYPES = Options(
    "site",
    "prevent_item",
    "prevent_plan",
    "threat_assessment",
    "contingency_plan",
    "risk",
    "exercise",
    labels={"prevent_item": "Prevent plan item", "prevent_plan": "Prevent plan"},
)

# ---- Governance: EMT and the working groups ----
STRANDS = Options("prevent", "protect", "prepare", "governance", labels={"governance": "Governance (EMT)"})
ACTION_STATUSES = Options("open", "done", "dropped")
ASKS = Options(
    "decision",
    "resources",
    "unblock",
    "information",
    labels={
        "decision": "A decision",
        "resources": "Resources (money, people or time)",
        "unblock": "Removing a blockage",
        "information": "For information",
    },
)
ESCALATION_STATUSES = Options(
    "raised", "accepted", "declined", "resolved", labels={"raised": "Awaiting EMT's decision"}
)
ESCALATION_OUTCOMES = Options(
    "accepted",
    "declined",
    "resolved",
    labels={"accepted": "Accept it", "declined": "Decline it", "resolved": "Mark it resolved"},
)
PRIORITY_STATUSES = Options("active", "achieved", "dropped")
LINK_TYPES = Options(
    "prevent_item",
    "prevent_plan",
    "site",
    "contingency_plan",
    "risk",
    "exercise",
    "tension_report",
    labels={"prevent_item": "Prevent plan item", "prevent_plan": "Prevent delivery plan"},
)
LINK_PAGES = {  # where a linked record is shown ({id} is its id)
    "prevent_item": "/prevent/items/{id}",
    "prevent_plan": "/prevent/plans/{id}",
    "site": "/protect/sites/{id}",
    "contingency_plan": "/prepare/plans/{id}",
    "risk": "/prepare/risks/{id}",
    "exercise": "/prepare/exercises/{id}",
    "tension_report": "/tensions/reports/{id}",
}
REPORT_PERIODS = Options(
    "this_quarter",
    "last_quarter",
    "financial_year",
    labels={"this_quarter": "This quarter", "last_quarter": "Last quarter", "financial_year": "This financial year"},
)
# The governance records in the audit log: their names, their actions and their pages.
_GOVERNANCE_RECORDS = {
    "working_group": "Working group",
    "meeting": "Meeting",
    "governance_action": "Action",
    "escalation": "Escalation to EMT",
    "emt_priority": "EMT priority",
}
_GOVERNANCE_NOUNS = {
    "working_group": "a working group",
    "meeting": "a meeting",
    "governance_action": "an action",
    "escalation": "an escalation to EMT",
    "emt_priority": "an EMT priority",
}
_GOVERNANCE_ACTIONS = {
    **{f"{entity}.create": f"Added {noun}" for entity, noun in _GOVERNANCE_NOUNS.items()},
    **{f"{entity}.update": f"Changed {noun}" for entity, noun in _GOVERNANCE_NOUNS.items()},
    "escalation.decide": "Recorded EMT's decision on an escalation",
}
AUDIT_ENTITIES = Options(*AUDIT_ENTITIES, *_GOVERNANCE_RECORDS, labels={**AUDIT_ENTITIES, **_GOVERNANCE_RECORDS})
AUDIT_ACTIONS = Options(*AUDIT_ACTIONS, *_GOVERNANCE_ACTIONS, labels={**AUDIT_ACTIONS, **_GOVERNANCE_ACTIONS})
AUDIT_PAGES.update(
    working_group="/governance/groups/{id}",
    meeting="/governance/meetings/{id}",
    governance_action="/governance/actions",
    escalation="/governance/escalations/{id}",
    emt_priority="/governance/priorities",
)
ENUM_LABELS.update(
    {
        value: group[value]
        for group in (STRANDS, ACTION_STATUSES, ASKS, ESCALATION_STATUSES, PRIORITY_STATUSES, LINK_TYPES)
        for value in group
        if value not in ENUM_LABELS
    }
)
