"""The `contest-hub` command: serve, migrate, bootstrap users and keys, verify the audit chain."""

from __future__ import annotations

import argparse
import gc
import getpass
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from app.core.errors import AppError
from app.core.security import SCOPES, Classification, Role


def _settings():  # type: ignore[no-untyped-def]
    from app.core.settings import get_settings

    return get_settings()


def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring the database schema up to date."""
    from app.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    print(f"Database migrated: {_safe_url(settings.database_url)}")
    return 0


def _safe_url(url: str) -> str:
    """A database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


YOUNG_COLLECTION_THRESHOLD = 20_000  # net allocations between collections of the youngest generation (default 700)


def cmd_serve(args: argparse.Namespace) -> int:
    """Migrate, optionally load demo data, then serve web and API together."""
    import uvicorn

    from app.main import create_app

    cmd_migrate(args)
    settings = _settings()
    if args.demo:
        if settings.env != "development":
            print("--demo is only for development databases (CONTEST_ENV=development).", file=sys.stderr)
            return 2
        _load_demo()
    print(
        f"CONTEST Hub on http://{args.host}:{args.port}/  (API docs: http://{args.host}:{args.port}/api/docs)",
        flush=True,
    )
    app = create_app(settings)
    # Everything built at start-up (modules, routes, templates, settings) lives as long as the process. Frozen, the
    # collector no longer walks it on each full collection: under load those pauses were the tail of the latency
    # (256 connections on a list: p99 400 -> 210 ms, and 15% more requests a second; README "Performance").
    gc.collect()
    gc.freeze()
    # A request's objects are freed by reference counting as it ends; the cycle collector is for the rest. With
    # hundreds of requests in flight, the default (a young collection every 700 net allocations) ran ~30 a second,
    # each walking every live request's objects (1-4 ms), and promoted them to full collections of 20-50 ms.
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, 10, 10)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=False,
        proxy_headers=True,
        log_level=settings.log_level.lower(),
    )
    return 0


def _load_demo() -> None:
    from app import demo
    from app.core.database import Database
    from app.demo import DEMO_KEY_NAME

    database = Database(_settings())
    with database.session() as session:
        report = demo.load(session)
        session.commit()
    database.dispose()
    print("\nDemo logins (development only):")
    for username, password, role in report.logins:
        print(f"  {role:<8} username: {username:<8} password: {password}")
    if report.api_key:
        print(f"\nDemo partner API key (shown once): {report.api_key}")
    if report.api_key_access:
        print(f"  {DEMO_KEY_NAME}: {report.api_key_access}")
    for note in report.notes:
        print(f"  {note}")
    print(flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    """Load demonstration data into a migrated development database."""
    cmd_migrate(args)
    _load_demo()
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    """Create a user, reading the password from standard input (prompting on a terminal)."""
    from app.core.database import Database
    from app.models.identity import UserCreate
    from app.services import identity

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            print("The passwords do not match.", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        data = UserCreate(
            username=args.username,
            name=args.name or args.username,
            password=password,
            role=Role(args.role),
            clearance=args.clearance,
            organisation=args.organisation or "Council",
        )
    except ValidationError as exc:
        for error in exc.errors():
            print(f"{'.'.join(map(str, error['loc']))}: {error['msg']}", file=sys.stderr)
        return 1
    database = Database(_settings())
    try:
        with database.session() as session:
            user = identity.create_user(session, data, actor=None)
            session.commit()
    except AppError as exc:
        print(exc.detail, file=sys.stderr)
        return 1
    finally:
        database.dispose()
    print(f"Created {user.username} ({user.role}, {user.clearance}).")
    return 0


def cmd_create_api_key(args: argparse.Namespace) -> int:
    """Create a partner API key and print it alone on the last line."""
    from app.core.database import Database
    from app.models.identity import ApiKeyCreate
    from app.services import identity

    scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
    try:
        data = ApiKeyCreate(
            name=args.name,
            organisation=args.organisation,
            scopes=scopes,  # type: ignore[arg-type]
            clearance=Classification(args.clearance),
        )
    except (ValidationError, ValueError) as exc:
        print(f"Not created: {exc}", file=sys.stderr)
        return 1
    database = Database(_settings())
    try:
        with database.session() as session:
            created = identity.create_api_key(session, data, actor=None, created_by="cli")
            session.commit()
    finally:
        database.dispose()
    print(f"Created API key {created.name!r} for {created.organisation} with scopes {', '.join(created.scopes)}.")
    print("It is shown once; only a hash is kept:")
    print(created.key)
    return 0


def cmd_verify_audit(args: argparse.Namespace) -> int:
    """Check the audit chain; exit 1 if it is broken."""
    from app.core.database import Database
    from app.services import audit

    database = Database(_settings())
    with database.session(write=False) as session:
        result = audit.verify(session)
    database.dispose()
    if result.ok:
        print(f"Audit chain intact: {result.checked} events checked.")
        return 0
    print(
        f"Audit chain BROKEN at event {result.first_bad_id} ({result.checked} events checked before it).",
        file=sys.stderr,
    )
    return 1


def _pg_tool(name: str) -> str | None:
    """A PostgreSQL client program, on PATH or under /usr/lib/postgresql/*/bin (newest first)."""
    import glob
    import shutil

    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return candidates[-1] if candidates else None


def _libpq_url(url: str) -> str:
    """The database URL as libpq (pg_dump, pg_restore) reads it: no SQLAlchemy driver name."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _sqlite_path(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).database or ""


def _is_empty(url: str) -> bool:
    """Whether the database holds no rows (no tables, or only empty ones and the migration marker)."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                if table == "alembic_version":
                    continue
                query = text(f'SELECT 1 FROM "{table}" LIMIT 1')  # noqa: S608 - names from the catalogue
                if connection.execute(query).first() is not None:
                    return False
        return True
    finally:
        engine.dispose()


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the database to PATH while the service keeps running (a consistent snapshot)."""
    import sqlite3
    import subprocess
    from pathlib import Path

    settings = _settings()
    target = Path(args.path)
    if target.exists():
        print(f"{target} exists; choose a new file for the backup.", file=sys.stderr)
        return 2
    if settings.is_sqlite:
        source = sqlite3.connect(_sqlite_path(settings.database_url), timeout=settings.db_busy_timeout_seconds)
        try:  # VACUUM INTO reads in one transaction: a consistent copy, and writers are not blocked (WAL)
            source.execute("VACUUM INTO ?", (str(target),))
        finally:
            source.close()
    else:
        pg_dump = _pg_tool("pg_dump")
        if pg_dump is None:
            print("pg_dump was not found (install the PostgreSQL client).", file=sys.stderr)
            return 2
        done = subprocess.run(  # noqa: S603 - our own arguments, no shell
            [pg_dump, "-Fc", "--no-owner", "--no-privileges", "-f", str(target), _libpq_url(settings.database_url)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"pg_dump failed: {done.stderr.strip()}", file=sys.stderr)
            target.unlink(missing_ok=True)
            return 1
    print(f"Backup written to {target} ({target.stat().st_size} bytes) from {_safe_url(settings.database_url)}.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Load a backup into the (empty) database CONTEST_DATABASE_URL names."""
    import sqlite3
    import subprocess
    from pathlib import Path

    settings = _settings()
    source = Path(args.path)
    if not source.is_file():
        print(f"{source} is not a backup file.", file=sys.stderr)
        return 2
    if not args.force and not _is_empty(settings.database_url):
        print(
            f"{_safe_url(settings.database_url)} is not empty; restoring would replace its data. "
            "Use --force to replace it.",
            file=sys.stderr,
        )
        return 1
    if settings.is_sqlite:
        backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        if backup.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            print(f"{source} is not a sound SQLite database.", file=sys.stderr)
            return 1
        target = sqlite3.connect(_sqlite_path(settings.database_url))
        try:
            backup.backup(target)  # replaces every page of the target, in one transaction
        finally:
            backup.close()
            target.close()
    else:
        pg_restore = _pg_tool("pg_restore")
        if pg_restore is None:
            print("pg_restore was not found (install the PostgreSQL client).", file=sys.stderr)
            return 2
        command = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        command += ["--clean", "--if-exists", "-d", _libpq_url(settings.database_url), str(source)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - no shell
        if done.returncode != 0:
            print(f"pg_restore failed (nothing was changed): {done.stderr.strip()}", file=sys.stderr)
            return 1
    print(f"Restored {source} into {_safe_url(settings.database_url)}. Check it with: contest-hub verify-audit")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Poll the threat feeds on their intervals (one worker at a time holds the lock)."""
    from app.feeds.worker import main as run_worker

    return run_worker(_settings(), once=args.once)


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="contest-hub", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate, then serve the web pages and the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="load demonstration data and print demo logins")
    serve.set_defaults(func=cmd_serve)

    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)
    commands.add_parser("demo", help="load demonstration data").set_defaults(func=cmd_demo)
    commands.add_parser("verify-audit", help="check the audit hash chain").set_defaults(func=cmd_verify_audit)

    backup = commands.add_parser("backup", help="copy the database to a file, online and consistent")
    backup.add_argument("path", help="the backup file to write (must not exist)")
    backup.set_defaults(func=cmd_backup)
    restore = commands.add_parser("restore", help="load a backup into the empty database CONTEST_DATABASE_URL names")
    restore.add_argument("path", help="a file written by contest-hub backup")
    restore.add_argument("--force", action="store_true", help="replace a database that already holds data")
    restore.set_defaults(func=cmd_restore)

    worker = commands.add_parser("worker", help="poll the threat feeds on their intervals; mark stale feeds")
    worker.add_argument("--once", action="store_true", help="run one pass and exit")
    worker.set_defaults(func=cmd_worker)

    user = commands.add_parser("create-user", help="create a user (password from standard input)")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=[r.value for r in Role])
    user.add_argument("--clearance", choices=[c.value for c in Classification])
    user.add_argument("--organisation")
    user.add_argument("--name", help="full name (default: the username)")
    user.set_defaults(func=cmd_create_user)

    key = commands.add_parser("create-api-key", help="create a partner API key (printed on the last line)")
    key.add_argument("name")
    key.add_argument("--organisation", required=True)
    key.add_argument("--scopes", required=True, help=f"comma-separated, from: {', '.join(SCOPES)}")
    key.add_argument("--clearance", default="OFFICIAL", choices=[c.value for c in Classification])
    key.set_defaults(func=cmd_create_api_key)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line."""
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
