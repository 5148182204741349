"""Server-rendered SVG charts (no JavaScript): the threat level step chart and simple bar charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from app.web.options import THREAT_LEVELS

LEVELS = list(THREAT_LEVELS)


@dataclass(frozen=True)
class StepChart:
    """A step line over time: its SVG path, axis labels and size."""

    width: int
    height: int
    path: str
    y_labels: list[tuple[float, str]]
    x_labels: list[tuple[float, str]]
    left: int
    bottom: float


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def threat_step_chart(
    changes: list[dict[str, str]], *, now: datetime | None = None, width: int = 900, height: int = 300
) -> StepChart | None:
    """A step chart of levels over time from history items (any order); None with fewer than one change."""
    points = sorted((_moment(c["effective_from"]), LEVELS.index(c["level"]) + 1) for c in changes)
    if not points:
        return None
    now = now or datetime.now(UTC)
    left, right, top, bottom = 110, 20, 15, height - 35
    start, end = points[0][0], max(now, points[-1][0])
    span = max((end - start).total_seconds(), 1.0)

    def x(moment: datetime) -> float:
        return round(left + (moment - start).total_seconds() / span * (width - left - right), 1)

    def y(rank: int) -> float:
        return round(bottom - (rank - 1) / 4 * (bottom - top), 1)

    path = [f"M {x(points[0][0])} {y(points[0][1])}"]
    for moment, rank in points[1:]:
        path.append(f"H {x(moment)} V {y(rank)}")
    path.append(f"H {x(end)}")
    years = range(start.year + 1, end.year + 1)
    step = max(1, len(years) // 8)
    x_labels = [(x(datetime(year, 1, 1, tzinfo=UTC)), str(year)) for year in list(years)[::step]]
    y_labels = [(y(rank), level) for rank, level in enumerate(LEVELS, start=1)]
    return StepChart(width, height, " ".join(path), y_labels, x_labels, left, bottom)
