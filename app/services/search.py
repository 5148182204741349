"""Full-text search across the areas, within the caller's read scopes and clearance; the SQL of both dialects.

What is indexed: sites, Prevent plan items and plans, threat assessments, contingency plans, risks and exercises
(`SOURCES`: each one's title and the text around it). A record's *effective marking* is its own, or for a plan
item the higher of its own and its plan's, since an item is only visible when both are.

**SQLite: FTS5, kept by triggers.** `search_entry` numbers each indexed record (`entry_id` ← type, record id).
Its words are in one FTS5 table per marking, `search_official` and `search_sensitive` (columns `title`, `body`;
rowid = `entry_id`; `porter unicode61 remove_diacritics 2`), chosen by its effective marking. Keeping the markings
apart means an OFFICIAL caller's query reads only OFFICIAL words: the results, bm25's corpus statistics (so the
order and the cursor's scores) and the time taken never depend on records they may not see. Triggers on every
indexed table (`sqlite_install`) follow each insert, update and delete, by whatever path (services, demo loader,
scripts, cascades), and a plan's change of marking moves its items; the migration indexes the rows already there.
A later migration that rebuilds an indexed table on SQLite (`batch_alter_table` copies it, and its triggers are
lost with the old table) must run `sqlite_triggers()` after it; `tests/api/test_search.py` checks every table has
its triggers at head.

**PostgreSQL: expression GIN indexes.** No copy of the text: each table has a GIN index on
`to_tsvector('english', title || ' ' || body)` (`postgres_install`), maintained by PostgreSQL itself. A query is a
UNION ALL over the tables using the very same expression (so the planner takes the index), filtered by effective
marking in SQL, ranked by `ts_rank` with the title weighted above the body (ts_rank looks at the record alone, not
at others), then `ts_headline` for the page's rows only.

**User text never reaches either query language as syntax.** `terms` keeps only runs of letters and digits (no
quotes, `*`, `-`, `:`, parentheses survive); each is a quoted string in FTS5 or a bare lexeme in tsquery; the
terms are ANDed and the last is a prefix ("stadi" finds "stadium").

Results are keyset-paged, best first, on (score, type, id); the score is an integer (the rank times a million), so
a cursor's position round-trips exactly. Scores from the two SQLite tables come from two corpora, so an
OFFICIAL-SENSITIVE caller's list interleaves them by score without their being strictly comparable.
"""

# ruff: noqa: S608 - the SQL here is built from this module's constants (tables, columns, markings) only; what a
# person types is only ever a bound parameter, after `terms` has reduced it to words.
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlmodel import Session

from app.core.errors import Forbidden
from app.core.security import Classification, Principal
from app.models.search import SearchResult, SearchType

SENSITIVE = Classification.OFFICIAL_SENSITIVE.value
MAX_TERMS = 20
# Around a match in a snippet. Control characters, not HTML: a page escapes the text, then marks the offsets (a
# stored text holding one could only misplace a highlight, never inject markup).
OPEN, CLOSE = "\x02", "\x03"
FTS_TABLES = {Classification.OFFICIAL: "search_official", Classification.OFFICIAL_SENSITIVE: "search_sensitive"}
HEADLINE = f'StartSel={OPEN}, StopSel={CLOSE}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'


@dataclass(frozen=True)
class Source:
    """One indexed table: its title, the text around it, who may read it, where it lives."""

    type: SearchType
    table: str
    scope: str
    title: str
    body: tuple[str, ...]
    api: str
    page: str
    lists: tuple[str, ...] = ()  # JSON lists of strings among `body`, indexed as their items' words
    parent: tuple[str, str] | None = None  # (table, foreign key) whose marking the record also takes

    def columns(self) -> tuple[str, ...]:
        """The columns whose change changes what is indexed."""
        return (self.title, *self.body, "classification", *((self.parent[1],) if self.parent else ()))


SOURCES = (
    Source(
        SearchType.SITE,
        "site",
        "protect:read",
        "name",
        ("address", "postcode", "ward", "operator"),
        "/sites/{id}",
        "/protect/sites/{id}",
    ),
    Source(
        SearchType.PREVENT_ITEM,
        "prevent_item",
        "prevent:read",
        "title",
        ("description", "measure", "ref", "owner", "partners"),
        "/prevent/items/{id}",
        "/prevent/items/{id}",
        lists=("partners",),
        parent=("prevent_plan", "plan_id"),
    ),
    Source(
        SearchType.PREVENT_PLAN,
        "prevent_plan",
        "prevent:read",
        "title",
        (),
        "/prevent/plans/{id}",
        "/prevent/plans/{id}",
    ),
    Source(
        SearchType.THREAT_ASSESSMENT,
        "threat_assessment",
        "prevent:read",
        "title",
        ("summary", "issued_by"),
        "/threat-assessments/{id}",
        "/prevent/threat-assessments/{id}",
    ),
    Source(
        SearchType.CONTINGENCY_PLAN,
        "contingency_plan",
        "prepare:read",
        "title",
        ("summary", "owner"),
        "/contingency-plans/{id}",
        "/prepare/plans/{id}",
    ),
    Source(
        SearchType.RISK,
        "risk",
        "prepare:read",
        "title",
        ("description", "mitigations", "category", "owner"),
        "/risks/{id}",
        "/prepare/risks/{id}",
    ),
    Source(
        SearchType.EXERCISE,
        "exercise",
        "prepare:read",
        "title",
        ("summary", "participants"),
        "/exercises/{id}",
        "/prepare/exercises/{id}",
        lists=("participants",),
    ),
)
BY_TYPE = {source.type: source for source in SOURCES}


# --- the words of a record, as SQL over a row (`new.`, `t.` or bare column names for an index) ---


def _text(source: Source, column: str, row: str, *, postgres: bool) -> str:
    value = f"{row}{column}"
    if column in source.lists:  # ["Met Police", "NHS"] → Met Police, NHS
        value = f"replace(replace(replace({value}{'::text' if postgres else ''}, '[', ''), ']', ''), '\"', '')"
    return f"coalesce({value}, '')"


def title_sql(source: Source, row: str, *, postgres: bool = False) -> str:
    """The record's title as SQL."""
    return _text(source, source.title, row, postgres=postgres)


def body_sql(source: Source, row: str, *, postgres: bool = False) -> str:
    """The text around the title as SQL: the body columns, space-separated."""
    parts = [_text(source, c, row, postgres=postgres) for c in source.body]
    return " || ' ' || ".join(parts) if parts else "''"


def marking_sql(source: Source, row: str, parent_marking: str | None = None) -> str:
    """The record's effective marking as SQL: its own, raised to its parent's (`parent_marking`, SQL) if higher."""
    own = f"{row}classification"
    if source.parent is None or parent_marking is None:
        return own
    return f"CASE WHEN {own} = '{SENSITIVE}' OR {parent_marking} = '{SENSITIVE}' THEN '{SENSITIVE}' ELSE {own} END"


def _parent_lookup(source: Source, row: str) -> str | None:
    if source.parent is None:
        return None
    table, key = source.parent
    return f"(SELECT classification FROM {table} WHERE id = {row}{key})"


# --- user text → query ---


def terms(query: str) -> list[str]:
    """The words of what someone typed: runs of letters and digits, nothing else (so no query syntax)."""
    return re.findall(r"[^\W_]+", query)[:MAX_TERMS]


def fts5_query(words: Sequence[str]) -> str:
    """An FTS5 MATCH expression: every word as a quoted string, all required, the last one a prefix."""
    quoted = [f'"{w}"' for w in words]
    return " ".join(quoted) + "*"


def tsquery(words: Sequence[str]) -> str:
    """A to_tsquery expression: every word a lexeme, all required, the last one a prefix."""
    return " & ".join([*words[:-1], f"{words[-1]}:*"])


# --- who may search what ---


def searchable(principal: Principal, requested: Sequence[SearchType]) -> list[SearchType]:
    """The types to search: those asked for (all, if none) that the principal's scopes let them read.

    Asking by name for a type you cannot read is 403, like reading its list; a principal who can read none of
    them may not search at all.
    """
    wanted = list(dict.fromkeys(requested)) or [s.type for s in SOURCES]
    refused = [t for t in wanted if not principal.has(BY_TYPE[t].scope)]
    if requested and refused:
        needed = sorted({BY_TYPE[t].scope for t in refused})
        raise Forbidden(f"Searching {', '.join(t.value for t in refused)} needs {', '.join(needed)}.")
    allowed = [t for t in wanted if principal.has(BY_TYPE[t].scope)]
    if not allowed:
        raise Forbidden("Searching needs one of the scopes protect:read, prevent:read or prepare:read.")
    return allowed


# --- the query ---

Position = tuple[int, str, str]  # (score, type, record id) of the last result shown


@dataclass(frozen=True)
class Hit:
    """A matching record as the database gives it."""

    type: str
    record_id: str
    classification: str
    title: str
    snippet: str
    score: int


_AFTER = (
    "WHERE score < :score "
    "OR (score = :score AND (type > :after_type OR (type = :after_type AND record_id > :after_id)))"
)
_ORDER = "ORDER BY score DESC, type, record_id"


def _after(params: dict[str, object]) -> str:
    """The rows after the cursor's position, if there is one."""
    return _AFTER if "score" in params else ""


def search(
    session: Session,
    principal: Principal,
    *,
    query: str,
    types: Sequence[SearchType],
    limit: int,
    after: Position | None = None,
) -> tuple[list[SearchResult], Position | None]:
    """One page of the records matching `query` that the principal may see, best first, and the position after
    it (None on the last page). `types` must already be `searchable`."""
    words = terms(query)
    if not words:
        return [], None
    visible = [str(c) for c in principal.clearance.visible()]
    params: dict[str, object] = {"limit": limit + 1}
    if after is not None:
        params |= dict(zip(("score", "after_type", "after_id"), after, strict=True))
    if session.get_bind().dialect.name == "postgresql":
        rows = _postgres(session, types, visible, words, params)
    else:
        rows = _sqlite(session, types, visible, words, params)
    more = len(rows) > limit
    rows = rows[:limit]
    position = (rows[-1].score, rows[-1].type, rows[-1].record_id) if more and rows else None
    return [present(hit) for hit in rows], position


def every_result(
    session: Session, principal: Principal, *, query: str, types: Sequence[SearchType]
) -> Iterator[SearchResult]:
    """Every matching record the principal may see, best first, fetched page by page (for the CSV export)."""
    position: Position | None = None
    while True:
        results, position = search(session, principal, query=query, types=types, limit=500, after=position)
        yield from results
        if position is None:
            return


def _sqlite(
    session: Session, types: Sequence[SearchType], visible: list[str], words: list[str], params: dict[str, object]
) -> list[Hit]:
    branches = [
        f"SELECT e.kind AS type, e.record_id AS record_id, '{marking}' AS classification, {fts}.title AS title, "
        f"snippet({fts}, 1, :open, :close, '…', 24) AS snippet, "
        f"CAST(round(-bm25({fts}, 5.0, 1.0) * 1000000) AS INTEGER) AS score "
        f"FROM {fts} JOIN search_entry e ON e.entry_id = {fts}.rowid "
        f"WHERE {fts} MATCH :match AND e.kind IN :types"
        for marking, fts in FTS_TABLES.items()
        if marking in visible
    ]
    sql = f"SELECT * FROM ({' UNION ALL '.join(branches)}) AS hits {_after(params)} {_ORDER} LIMIT :limit"
    stmt = text(sql).bindparams(bindparam("types", expanding=True))
    values = params | {"match": fts5_query(words), "types": [t.value for t in types], "open": OPEN, "close": CLOSE}
    return [Hit(*row) for row in session.execute(stmt, values).all()]


def _postgres_branch(source: Source) -> str:
    title, body = title_sql(source, "t.", postgres=True), body_sql(source, "t.", postgres=True)
    joined = f" JOIN {source.parent[0]} p ON p.id = t.{source.parent[1]}" if source.parent else ""
    marking = marking_sql(source, "t.", "p.classification" if source.parent else None)
    rank = (
        f"ts_rank(setweight(to_tsvector('english', {title}), 'A') || "
        f"setweight(to_tsvector('english', {body}), 'B'), to_tsquery('english', :tsquery))"
    )
    return (
        f"SELECT '{source.type.value}' AS type, t.id AS record_id, {marking} AS classification, "
        f"t.{source.title} AS title, {body} AS body, CAST(round({rank} * 1000000) AS bigint) AS score "
        f"FROM {source.table} t{joined} "
        f"WHERE {postgres_document(source, 't.')} @@ to_tsquery('english', :tsquery) AND {marking} IN :visible"
    )


def _postgres(
    session: Session, types: Sequence[SearchType], visible: list[str], words: list[str], params: dict[str, object]
) -> list[Hit]:
    union = " UNION ALL ".join(_postgres_branch(BY_TYPE[t]) for t in types)
    page = f"SELECT * FROM ({union}) AS hits {_after(params)} {_ORDER} LIMIT :limit"
    sql = (
        "SELECT type, record_id, classification, title, "
        f"ts_headline('english', body, to_tsquery('english', :tsquery), :headline) AS snippet, score "
        f"FROM ({page}) AS page {_ORDER}"
    )
    stmt = text(sql).bindparams(bindparam("visible", expanding=True))
    values = params | {"tsquery": tsquery(words), "visible": visible, "headline": HEADLINE}
    return [Hit(*row) for row in session.execute(stmt, values).all()]


def present(hit: Hit) -> SearchResult:
    """The API view of a hit: its links, and the snippet as plain text with the matches as offsets."""
    source = BY_TYPE[SearchType(hit.type)]
    snippet, highlights = split_marks(hit.snippet or "")
    return SearchResult(
        type=source.type,
        id=hit.record_id,
        title=hit.title,
        snippet=snippet,
        highlights=highlights,
        href=source.api.format(id=hit.record_id),
        page=source.page.format(id=hit.record_id),
        classification=Classification(hit.classification),
    )


def split_marks(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """Plain text and the [start, end) of each marked match, from a snippet with OPEN/CLOSE around matches."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    length, start = 0, None
    for piece in re.split(f"([{OPEN}{CLOSE}])", marked):
        if piece == OPEN:
            start = length
        elif piece == CLOSE:
            if start is not None and length > start:
                spans.append((start, length))
            start = None
        else:
            piece = re.sub(r"\s+", " ", piece)  # line breaks and runs of spaces read as one space
            plain.append(piece)
            length += len(piece)
    text = "".join(plain)
    lead = len(text) - len(text.lstrip())  # empty columns leave spaces at the ends
    return text.strip(), [(start - lead, end - lead) for start, end in spans]


# --- the schema: made and unmade by the migration ---


def postgres_document(source: Source, row: str = "") -> str:
    """The tsvector a table's GIN index holds, and that its query must repeat word for word."""
    title, body = title_sql(source, row, postgres=True), body_sql(source, row, postgres=True)
    return f"to_tsvector('english', {title} || ' ' || {body})"


def postgres_install() -> list[str]:
    """PostgreSQL: one GIN expression index per indexed table."""
    return [f"CREATE INDEX ix_search_{s.table} ON {s.table} USING gin (({postgres_document(s)}))" for s in SOURCES]


def postgres_uninstall() -> list[str]:
    """PostgreSQL: drop the indexes."""
    return [f"DROP INDEX IF EXISTS ix_search_{s.table}" for s in SOURCES]


def _entry_of(source: Source, row: str) -> str:
    return f"(SELECT entry_id FROM search_entry WHERE kind = '{source.type.value}' AND record_id = {row}id)"


def _index_words(source: Source, row: str, rows_from: str, where: str) -> list[str]:
    """Statements putting the words of the selected rows into the FTS table of their effective marking."""
    marking = marking_sql(source, row, _parent_lookup(source, row))
    return [
        f"INSERT INTO {fts}(rowid, title, body) SELECT e.entry_id, {title_sql(source, row)}, "
        f"{body_sql(source, row)} FROM {rows_from} WHERE {where} AND {marking} = '{value}'"
        for value, fts in FTS_TABLES.items()
    ]


def _unindex(rowids: str) -> list[str]:
    return [f"DELETE FROM {fts} WHERE rowid IN ({rowids})" for fts in FTS_TABLES.values()]


def _trigger(name: str, event: str, table: str, statements: list[str]) -> str:
    body = ";\n  ".join(statements)
    return f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} BEGIN\n  {body};\nEND"


def _sqlite_triggers(source: Source) -> list[str]:
    kind, table = source.type.value, source.table
    own = f"e.kind = '{kind}' AND e.record_id = new.id"
    words = _index_words(source, "new.", "search_entry e", own)
    triggers = [
        _trigger(
            f"search_{table}_insert",
            "INSERT",
            table,
            [f"INSERT INTO search_entry(kind, record_id) VALUES ('{kind}', new.id)", *words],
        ),
        _trigger(
            f"search_{table}_update",
            f"UPDATE OF {', '.join(source.columns())}",
            table,
            [*_unindex(_entry_of(source, "new.")), *words],
        ),
        _trigger(
            f"search_{table}_delete",
            "DELETE",
            table,
            [
                *_unindex(_entry_of(source, "old.")),
                f"DELETE FROM search_entry WHERE kind = '{kind}' AND record_id = old.id",
            ],
        ),
    ]
    if source.parent is not None:  # the parent's marking changed: its children move with it
        parent, key = source.parent
        children = f"{table} t JOIN search_entry e ON e.kind = '{kind}' AND e.record_id = t.id"
        triggers.append(
            _trigger(
                f"search_{parent}_{table}_marking",
                "UPDATE OF classification",
                parent,
                [
                    *_unindex(f"SELECT e.entry_id FROM {children} WHERE t.{key} = new.id"),
                    *_index_words(source, "t.", children, f"t.{key} = new.id"),
                ],
            )
        )
    return triggers


def _sqlite_backfill(source: Source) -> list[str]:
    kind = source.type.value
    rows = f"{source.table} t JOIN search_entry e ON e.kind = '{kind}' AND e.record_id = t.id"
    return [
        f"INSERT INTO search_entry(kind, record_id) SELECT '{kind}', id FROM {source.table}",
        *_index_words(source, "t.", rows, "1 = 1"),
    ]


def sqlite_install() -> list[str]:
    """SQLite: the entry table, one FTS5 table per marking, the triggers, and the words of the rows there now."""
    statements = [
        "CREATE TABLE search_entry (entry_id INTEGER PRIMARY KEY, kind VARCHAR(40) NOT NULL, "
        "record_id VARCHAR(36) NOT NULL, CONSTRAINT uq_search_entry UNIQUE (kind, record_id))",
        *(
            f"CREATE VIRTUAL TABLE {fts} USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2')"
            for fts in FTS_TABLES.values()
        ),
    ]
    for source in SOURCES:
        statements += [*_sqlite_triggers(source), *_sqlite_backfill(source)]
    return statements


def sqlite_triggers() -> list[str]:
    """SQLite: every trigger, made only where missing (after a migration rebuilt an indexed table, which drops its
    triggers with the old table; the rows, their ids and so their words are unchanged by the copy)."""
    return [trigger for source in SOURCES for trigger in _sqlite_triggers(source)]


def sqlite_uninstall() -> list[str]:
    """SQLite: drop the triggers and the tables."""
    return [
        *(f"DROP TRIGGER IF EXISTS {name}" for name in sqlite_trigger_names()),
        *(f"DROP TABLE IF EXISTS {fts}" for fts in FTS_TABLES.values()),
        "DROP TABLE IF EXISTS search_entry",
    ]


def sqlite_trigger_names() -> list[str]:
    """Every trigger `sqlite_install` makes (a later rebuild of a table must not lose them)."""
    names = [f"search_{s.table}_{event}" for s in SOURCES for event in ("insert", "update", "delete")]
    return names + [f"search_{s.parent[0]}_{s.table}_marking" for s in SOURCES if s.parent]


def made_by_migration_only(name: str | None) -> bool:
    """Whether a table or index is search's own, which the models do not describe (for autogenerate)."""
    return bool(name) and (str(name).startswith(("search_", "ix_search_")))
