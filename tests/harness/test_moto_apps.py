"""harness/moto_apps.py: moto's per-service apps made ahead (by the warm template) route as the apps moto makes
at a service's first request, and making them leaves no AWS state behind."""

from __future__ import annotations

import json
import subprocess
import sys

from support import REPO

from harness.warm import server

PROBE = """
import json, sys
from harness.backends import prepare_moto
from harness import moto_apps
from moto.core.base_backend import BackendDict
from moto.moto_server.werkzeug_app import create_backend_app

services = tuple(sys.argv[1:])
prepare_moto()
moto_apps.make_ahead(services)
left = {d.service_name: sorted(d) for d in BackendDict._instances if len(d)}

def routes(app):
    return sorted((rule.rule, rule.endpoint, sorted(rule.methods or ())) for rule in app.url_map.iter_rules())

different = []
for service in services:
    ahead = moto_apps.app_for(service)
    if routes(ahead) != routes(create_backend_app(service)) or not routes(ahead):
        different.append(service)
    again = moto_apps.app_for(service)
    if again is ahead:
        different.append(service + " (given twice)")
print(json.dumps({"left": left, "different": different}))
"""


def test_apps_made_ahead_route_as_moto_s_own_and_leave_no_backend() -> None:
    """Made after the emulator's patches (some add routes), with the same routes as an app moto makes
    later; each given once; and the backends moto made to read the routes from are gone (no AWS state)."""
    done = subprocess.run([sys.executable, "-c", PROBE, *server.MOTO_APPS], cwd=REPO, capture_output=True,
                          text=True, timeout=300, env=None)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen == {"left": {}, "different": []}
