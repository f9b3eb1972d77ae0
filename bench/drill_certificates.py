"""Drill: a certificate over one confirmed (door codes) and one declared service; verified good, tampered (online
and offline with civicflow-verify), revoked after a dispatcher's confirmation.

Run: PYTHONPATH=. PATH=.venv/bin:$PATH .venv/bin/python bench/drill_certificates.py OUTPUT_DIR
"""
import json, subprocess, sys, pathlib
from datetime import datetime, timedelta, timezone
from application.persistence.clock import ManualClock
from application.settings import Settings
from interfaces.web.app import close_app, create_app
from tests.interfaces.web.world import World
out = pathlib.Path(sys.argv[1]); out.mkdir(exist_ok=True)
clock = ManualClock(datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc))
web = create_app({"SETTINGS": Settings(database_url=f"sqlite:///{out}/drill.db", var_dir=out / "var",
                                       public_url="https://civicflow.example"), "CLOCK": clock, "TESTING": True})
world = World.build(web, web.test_client(), clock)
order = world.order_in("accepted"); p = f"/api/v1/orders/{order['id']}"
codes = world.ok("channel", "GET", p)["door_codes"]
print("channel reads codes:", codes["start"]["code"], codes["complete"]["code"], "| volunteer sees:",
      world.ok("volunteer", "GET", p)["door_codes"]["start"])
world.ok("volunteer", "POST", f"{p}/start", {"door_code": codes["start"]["code"]}); clock.advance(timedelta(minutes=45))
print("complete:", world.ok("volunteer", "POST", f"{p}/complete", {"service_minutes": 40, "door_code": codes["complete"]["code"]})["service_basis"])
declared = world.order_in("completed")
path = f"/api/v1/volunteers/{world.volunteer_id}/certificate?from=2026-11-01&to=2026-11-30"
signed = world.ok("volunteer", "GET", path)
print("totals:", signed["certificate"]["totals"], "serial:", signed["certificate"]["serial"])
(out / "certificate.json").write_text(json.dumps(signed, ensure_ascii=False, indent=2), encoding="utf-8")
(out / "certificate.pdf").write_bytes(world.call("volunteer", "GET", path + "&format=pdf").data)
(out / "key").write_text(signed["public_key"])
tampered = json.loads(json.dumps(signed)); tampered["certificate"]["services"][1]["minutes"] = 300
(out / "tampered.json").write_text(json.dumps(tampered, ensure_ascii=False, indent=2), encoding="utf-8")
serial = signed["certificate"]["serial"]
def show(label, r): print(label, json.dumps({k: r.get(k) for k in ("status", "reasons", "revoked")}, ensure_ascii=False, default=str))
show("online good:", world.client.get(f"/verify/{serial}.json").get_json())
show("online tampered:", world.client.post("/verify", json=tampered).get_json())
for name in ("certificate.json", "tampered.json"):
    r = subprocess.run(["civicflow-verify", "--certificate", str(out / name), "--public-key", signed["public_key"]], capture_output=True, text=True)
    print(f"offline {name}: exit {r.returncode}:", (r.stdout + r.stderr).strip()[:300])
world.ok("dispatcher", "POST", f"/api/v1/orders/{declared['id']}/confirm-service", {"reason": "居民电话确认"})
show("online after a dispatcher's confirmation:", world.client.get(f"/verify/{serial}.json").get_json())
(out / "verify-revoked.html").write_text(world.client.get(f"/verify/{serial}").get_data(as_text=True))
close_app(web)
