"""Lessons learned from an exercise: each its own record, so a change to one never conflicts with another."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import Column, Index, Text
from sqlmodel import Field as SQLField

from app.models.common import ClassifiedRead, IsoDate, OptionalShortText, Record, enum_field

LessonText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ActionText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


class LessonStatus(StrEnum):
    """Whether a lesson's action is done."""

    OPEN = "open"
    DONE = "done"


class Lesson(Record, table=True):
    """A lesson learned in an exercise and the action it calls for; it takes its exercise's marking."""

    __tablename__ = "lesson"
    __table_args__ = (Index("ix_lesson_status_due_on", "status", "due_on"),)

    exercise_id: str = SQLField(foreign_key="exercise.id", max_length=36, index=True, ondelete="CASCADE")
    text: str = SQLField(sa_column=Column(Text, nullable=False))
    action: str = SQLField(default="", sa_column=Column(Text, nullable=False))
    owner: str = SQLField(default="", max_length=200)
    status: str = enum_field(10)  # type: ignore[assignment]
    due_on: date | None = SQLField(default=None)


class LessonCreate(BaseModel):
    """A new lesson."""

    model_config = ConfigDict(extra="forbid")

    text: LessonText
    action: ActionText = ""
    owner: OptionalShortText = ""
    status: LessonStatus = LessonStatus.OPEN
    due_on: IsoDate | None = Field(default=None, description="When the action should be done by (optional).")


class LessonUpdate(BaseModel):
    """Changes to a lesson (its text, action, owner, due date, or status: `open` reopens a done lesson)."""

    model_config = ConfigDict(extra="forbid")

    text: LessonText | None = None
    action: ActionText | None = None
    owner: OptionalShortText | None = None
    status: LessonStatus | None = None
    due_on: IsoDate | None = Field(default=None, description="`null` clears the due date.")


class LessonRead(ClassifiedRead):
    """A lesson, with its exercise and whether its action is overdue."""

    exercise_id: str
    exercise_title: str
    text: str
    action: str
    owner: str
    status: LessonStatus
    due_on: date | None
    overdue: bool = Field(description="Due before today (Europe/London) and still open.")
