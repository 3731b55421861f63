"""What the bot tells its operators about itself: log context and Prometheus metrics.

Every layer may report here (the relay counts sends, storage counts retries,
intake counts events); nothing here imports the rest of the bot.
"""
