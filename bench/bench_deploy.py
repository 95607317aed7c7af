"""Deploy checks on large diagrams, each accepted and, with one unknown name, refused, through
yunying.workflow.services.definition_deploy on a fresh SQLite database: 12,500 exclusive gateways
(under 2 MB), and 3,000 parallel steps each adding a field, then 4,000 gateways whose conditions read
them (each condition checked against 3,000 known names, under 2 MB). Prints the load average, each size, the time of each phase (wall clock,
and the process's own CPU time in brackets: on a busy machine the wall clock also counts waiting for a
core) and the ratio of the two sizes' CPU times (linear: about the ratio of the sizes).

    .venv/bin/python bench/bench_deploy.py
    .venv/bin/python bench/bench_deploy.py --gateways 25000 --steps 6000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gateways", type=int, default=12_500)
    parser.add_argument("--steps", type=int, default=3_000)
    args = parser.parse_args()
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["YUNYING_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-deploy-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunying.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from yunying.workflow.engine import parse_definition
    from yunying.workflow.errors import DeployRefused
    from yunying.workflow.services import definition_deploy
    from yunying.workflow.tests.bigdiagram import big_diagram, many_fields

    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    shapes = [
        ("gateways", args.gateways, lambda n, broken=False: big_diagram(n, broken=broken)),
        ("fields", args.steps, lambda n, broken=False: many_fields(n, gateways=n * 4 // 3, broken=broken)),
    ]
    for shape, size, make in shapes:
        timings = {}
        for n in (size // 5, size):
            xml = make(n)
            t0 = time.perf_counter()
            parse_definition(xml)
            t1, c1 = time.perf_counter(), time.process_time()
            version = definition_deploy(actor=None, key=f"{shape}-{n}", name=shape, bpmn_xml=xml)
            t2, c2 = time.perf_counter(), time.process_time()
            try:
                definition_deploy(
                    actor=None, key=f"broken-{shape}-{n}", name="broken", bpmn_xml=make(n, True)
                )
                refused = "accepted?!"
            except DeployRefused as exc:
                refused = str(exc)[:60]
            t3, c3 = time.perf_counter(), time.process_time()
            timings[n] = c2 - c1
            print(
                f"{n:>6} {shape:<8} {len(xml) / 1e6:5.2f} MB | engine parse {t1 - t0:5.2f} s | "
                f"deploy (accepted v{version.number}) {t2 - t1:5.2f} s [cpu {c2 - c1:5.2f} s] | "
                f"deploy refused {t3 - t2:5.2f} s [cpu {c3 - c2:5.2f} s]: {refused}"
            )
        small, large = sorted(timings)
        print(
            f"{shape}: size ratio {large / small:.1f}, deploy cpu time ratio {timings[large] / timings[small]:.1f}"
        )


if __name__ == "__main__":
    main()
