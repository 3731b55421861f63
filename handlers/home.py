"""App Home: the persona directory and the caller's open requests."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.services.home import Home


def on_home_opened(event: dict, client: WebClient, home: Home) -> None:
    user_id = event.get("user")
    if isinstance(user_id, str) and event.get("tab", "home") == "home":
        client.views_publish(user_id=user_id, view=home.view_for(user_id))


def register(app: App, home: Home) -> None:
    app.event("app_home_opened")(lambda event, client: on_home_opened(event, client, home))
