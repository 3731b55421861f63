"""App Home: the persona directory and the caller's open requests."""

from __future__ import annotations

from bot.render.home import render_home
from bot.services.ports import OpenRequests
from bot.services.runtime import RuntimeHolder
from bot.services.views import open_lines

LISTED = 15


class Home:
    def __init__(self, holder: RuntimeHolder, requests: OpenRequests):
        self.holder = holder
        self.requests = requests

    def view_for(self, user_id: str) -> dict:
        runtime = self.holder.current
        personas = runtime.names.personas_of(user_id)
        rows = self.requests.open_requests(personas=list(personas), limit=LISTED) if personas else []
        return render_home(runtime.config, runtime.names.mentions, open_lines(runtime, rows))
