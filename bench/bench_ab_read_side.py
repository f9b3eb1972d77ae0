"""Before/after of the read side: rebuild and verify on one store with an older checkout and with this one, in turn.

    git worktree add /tmp/before <commit>
    .venv/bin/python bench/bench_ab_read_side.py /tmp/before sqlite:////path/civicflow.db /path/var-dir [--runs 3]

Each run starts a fresh process per side that rebuilds every view (`ReadModel.rebuild()`) and verifies the audit
trail (`ReadModel.verify()`), timing both (wall and CPU); the signed checkpoints are cleared first so that both
sides sign with the same key. Prints one JSON line per side and run, then the medians and the speed-up.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
SIDE = '''
import json, time
from pathlib import Path
from interfaces.bootstrap import application, open_read_model
from application.settings import Settings
app = application(Settings(database_url={url!r}, var_dir=Path({var!r})), reference_data=False)
model = open_read_model(app, key_path=Path({var!r}) / "audit-ed25519.pem")
with model.engine.begin() as conn:
    conn.execute(model.tables.checkpoints.delete())
t, c = time.perf_counter(), time.process_time(); model.rebuild()
rebuild, rebuild_cpu = time.perf_counter() - t, time.process_time() - c
t, c = time.perf_counter(), time.process_time(); ok = model.verify().ok
verify, verify_cpu = time.perf_counter() - t, time.process_time() - c
print(json.dumps({{"events": app.recorder.max_notification_id(), "rebuild_s": rebuild, "verify_s": verify,
                  "rebuild_cpu_s": rebuild_cpu, "verify_cpu_s": verify_cpu, "ok": ok}}))
'''


def run_side(root: Path, url: str, var: str) -> dict:
    code = SIDE.format(url=url, var=var)
    # the side's own checkout first on the import path (cwd and PYTHONPATH), ahead of the venv's editable install
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("url")
    parser.add_argument("var_dir")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sides: dict[str, list[dict]] = {"before": [], "after": []}
    for _ in range(args.runs):
        for side, root in (("before", args.before), ("after", HERE)):
            sides[side].append(run_side(root, args.url, args.var_dir))
            print(json.dumps({"side": side, **sides[side][-1], "load": os.getloadavg()[0]}), flush=True)
    events = sides["after"][0]["events"]
    for key in ("rebuild_s", "verify_s", "rebuild_cpu_s", "verify_cpu_s"):
        before, after = (statistics.median(r[key] for r in sides[s]) for s in ("before", "after"))
        print(json.dumps({"measure": key, "before_events_per_s": round(events / before),
                          "after_events_per_s": round(events / after), "speedup": round(before / after, 2)}))


if __name__ == "__main__":
    main()
