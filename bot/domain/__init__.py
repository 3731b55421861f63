"""Pure values and rules of the bot: no SQLAlchemy, no Slack.

``requests`` (statuses and request values), ``lifecycle`` (the state machine
a button press goes through), ``deliveries`` (messages the relay sends),
``schedules``, ``feedback`` and ``digest`` (the facts a weekly digest is made of).
"""
