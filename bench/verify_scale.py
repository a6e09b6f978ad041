"""Verify N prospects spread over D domains against a real DNS server (NSD on loopback).

Usage: PYTHONPATH=. python bench/verify_scale.py [PROSPECTS] [DOMAINS]
       (default 10000 over 500; throw-away home; needs scripts/install_test_deps.sh)

The zone ``bench.test`` gives 80 % of the domains an MX, 10 % only an A record (fallback)
and leaves 10 % out (NXDOMAIN); 5 % of the addresses are role accounts. Prints the cold
run (every domain looked up once, concurrency bounded), the warm run (all from the
per-domain cache) and their ratio.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

BUDGET_S = 30.0  # the acceptance bound for 10,000 prospects over 500 domains


def zone(domains: int) -> str:
    from tests.fixtures.dns import ZONE_HEAD

    lines = ZONE_HEAD.format(origin="bench.test").splitlines()
    for n in range(domains):
        if n % 10 < 8:
            lines += [f"d{n} IN MX 10 mx.d{n}", f"mx.d{n} IN A 127.0.0.1"]
        elif n % 10 == 8:
            lines.append(f"d{n} IN A 127.0.0.1")
    return "\n".join(lines) + "\n"


def add_prospects(db: object, prospects: int, domains: int) -> None:
    from sqlalchemy import insert

    from outreach.store.models import Prospect

    rows = [{"email": f"{'info-' if n % 20 == 0 else 'p'}{n}@d{n % domains}.bench.test",
             "domain": f"d{n % domains}.bench.test", "fields": {}} for n in range(prospects)]
    with db.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(insert(Prospect), rows)


def run(label: str, db: object, spec: object) -> float:
    from outreach.campaigns.verify import verify_prospects

    start = time.perf_counter()
    summary = verify_prospects(db, spec=spec)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    counts = summary.as_dict()
    print(f"{label:<8}{seconds:7.2f} s  {counts['checked'] / seconds:9,.0f} prospects/s  "
          f"domains={summary.domains} looked_up={summary.looked_up} valid={counts['valid']} "
          f"risky={counts['risky']} invalid={counts['invalid']} unknown={counts['unknown']}")
    return seconds


def main() -> None:
    prospects = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    domains = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    with tempfile.TemporaryDirectory() as home:
        os.environ["OUTREACH_HOME"] = home
        os.environ.pop("OUTREACH_DB_URL", None)
        from outreach.deliverability.dns import ResolverSpec
        from outreach.store import open_store
        from tests.fixtures.dns import start_dns, stop_dns

        dns_dir = Path(home) / "dns"
        host, port = start_dns(dns_dir, {"bench.test": zone(domains)})
        try:
            db = open_store()
            add_prospects(db, prospects, domains)
            spec = ResolverSpec(host, port)
            cold = run("cold", db, spec)
            warm = run("warm", db, spec)
        finally:
            stop_dns(dns_dir)
        verdict = "within" if cold <= BUDGET_S else "OVER"
        print(f"cold/warm ratio {cold / warm:.1f}x; cold run {verdict} the {BUDGET_S:.0f} s budget")


if __name__ == "__main__":
    main()
