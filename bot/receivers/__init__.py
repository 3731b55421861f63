"""Alert receivers: AWS SNS, GCP Pub/Sub push, Azure Action Groups and signed JSON webhooks.

Each provider module turns one HTTP request into an ``Alert`` or raises
``Rejected``; ``bot.receivers.http`` maps paths to providers, enforces the body
limit, counts and logs rejections, and hands accepted alerts to the alert
intake service. Nothing here touches storage or Slack.
"""
