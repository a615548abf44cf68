"""moto's per-service Flask apps (its request routing for one service), made ahead by the warm template.

moto's server makes a service's app at the service's first request: a URL rule per route, each compiled
(API Gateway's app ~50 ms, Lambda's ~26, most 2-15). The template makes the apps of the services it
preloads once, after the emulator's patches (some add routes), and each grading forked from it takes
them instead. An app holds routes and view functions only: moto reads the routes from an instance of the
service's backend made for the purpose, and those instances are dropped again (moto's own reset), so the
template holds no AWS state.
"""

from __future__ import annotations

from typing import Any

_made: dict[str, Any] = {}


def make_ahead(services: tuple[str, ...]) -> None:
    """Make the apps of ``services`` now; a service whose app cannot be made is left to its first request."""
    from moto.core.base_backend import BackendDict
    from moto.core.model_instances import reset_model_data
    from moto.moto_server.werkzeug_app import create_backend_app

    for service in services:
        try:
            _made[service] = create_backend_app(service)
        except Exception:  # noqa: BLE001 - made at its first request instead, as in a cold run
            continue
    BackendDict.reset()  # the backends moto made to read the routes from
    reset_model_data()


def app_for(service: str) -> Any:
    """What moto's server asks for at a service's first request: the app made ahead, once, else a new one."""
    from moto.moto_server.werkzeug_app import create_backend_app

    made = _made.pop(service, None)
    return made if made is not None else create_backend_app(service)
