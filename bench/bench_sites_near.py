"""How much dearer is a `near` query than a primary-key lookup, on 100,000 sites?

Builds a scratch SQLite database with the real migrations, bulk-inserts 100,000 sites spread over Greater
London, then alternates, in one run, (a) a `near` query with a 400 m radius through the site service (bounding
box on the (lat, lon) index, exact haversine, sorted, presented as the API would) and (b) a primary-key lookup
of one site presented the same way. Prints the median of each and their ratio.

    .venv/bin/python bench/bench_sites_near.py [--sites 100000] [--rounds 300]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import col

from app.core.clock import utcnow
from app.core.database import Database
from app.core.ids import new_id
from app.core.security import ROLE_SCOPES, Classification, Principal, Role
from app.core.settings import Settings
from app.migrate import upgrade
from app.models.protect import Site
from app.services import sites

# Greater London, roughly: where the sites are scattered.
LAT_RANGE, LON_RANGE = (51.28, 51.70), (-0.51, 0.33)
CATEGORIES = ["crowded_place", "transport_hub", "commercial_centre", "night_time_economy", "place_of_worship"]
READER = Principal(
    id="bench",
    kind="user",
    name="bench",
    organisation="Council",
    scopes=ROLE_SCOPES[Role.OFFICER],
    clearance=Classification.OFFICIAL_SENSITIVE,
)


def populate(database: Database, count: int, rng: random.Random) -> list[str]:
    """Bulk-insert `count` sites; return their ids."""
    now, ids = utcnow(), []
    with database.session() as session:
        for start in range(0, count, 10_000):
            rows = []
            for _ in range(min(10_000, count - start)):
                ids.append(new_id())
                rows.append(
                    {
                        "id": ids[-1],
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                        "name": f"Site {len(ids)}",
                        "category": rng.choice(CATEGORIES),
                        "address": "",
                        "lat": rng.uniform(*LAT_RANGE),
                        "lon": rng.uniform(*LON_RANGE),
                        "capacity": rng.choice([None, 50, 300, 1200]),
                        "protective_measures": [],
                        "classification": "OFFICIAL-SENSITIVE",
                    }
                )
            session.execute(insert(Site), rows)
        session.commit()
    return ids


SHOWN: dict[str, Any] = {"sensitive": True, "default_level": None, "today": date(2026, 11, 30)}  # as the API shows


def time_near(database: Database, lat: float, lon: float) -> tuple[float, int]:
    """Seconds for one 400 m `near` query, and how many sites it found."""
    started = time.perf_counter()
    with database.session(write=False) as session:
        found = sites.near(session, sites.list_statement(READER, sites.SiteFilters()), sites.Near(lat, lon, 400))
        [sites.site_json(site, distance_m=distance, **SHOWN) for site, distance in found]
    return time.perf_counter() - started, len(found)


def time_lookup(database: Database, site_id: str) -> float:
    """Seconds for one primary-key lookup, presented the same way."""
    started = time.perf_counter()
    with database.session(write=False) as session:
        site = session.execute(select(Site).where(col(Site.id) == site_id)).scalar_one()
        sites.site_json(site, **SHOWN)
    return time.perf_counter() - started


def main() -> None:
    """Build, then measure alternately and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(20261129)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        upgrade(url, "0004_protect")
        database = Database(Settings(database_url=url))
        started = time.perf_counter()
        ids = populate(database, args.sites, rng)
        print(f"inserted {len(ids):,} sites in {time.perf_counter() - started:.1f} s")
        for _ in range(20):  # warm-up
            time_near(database, rng.uniform(51.45, 51.55), rng.uniform(-0.2, 0.0))
            time_lookup(database, rng.choice(ids))
        near_times, lookup_times, found = [], [], []
        for _ in range(args.rounds):
            seconds, count = time_near(database, rng.uniform(*LAT_RANGE), rng.uniform(*LON_RANGE))
            near_times.append(seconds)
            found.append(count)
            lookup_times.append(time_lookup(database, rng.choice(ids)))
        database.dispose()
    near_ms, lookup_ms = statistics.median(near_times) * 1000, statistics.median(lookup_times) * 1000
    print(f"near (400 m): median {near_ms:.2f} ms, {statistics.mean(found):.1f} sites found on average")
    print(f"primary key:  median {lookup_ms:.2f} ms")
    print(f"ratio near / primary key: {near_ms / lookup_ms:.1f}x")


if __name__ == "__main__":
    main()
