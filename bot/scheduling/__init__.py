"""Duty reminders, the FinOps calendar and the weekly digest, each posted exactly once.

- ``cron``: five-field cron evaluated with APScheduler 3's CronTrigger as a pure
  function (crontab weekday numbers, ``L`` for the last day, DST rules).
- ``business_days``: weekday arithmetic and acknowledgement deadlines.
- ``schedules``: ``Schedule``/``Occurrence``, ``schedules_from_config``,
  ``fire_times_between``, ``next_fire_time``, ``due_occurrences``; why a claim
  uses both the schedule id and a content key.
- ``weeks``: ISO weeks in a timezone.
- ``digest`` / ``reminders`` / ``blocks``: Slack messages as plain dicts within Slack's limits.
- ``ticker``: claims and posts due occurrences each tick; ``start_timer`` is the APScheduler timer.
- ``wiring``: ``build_ticker(config, store, poster, clock)`` for the processes that run it.

Nothing here imports Slack or opens a connection.
"""
