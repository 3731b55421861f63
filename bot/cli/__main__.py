"""`python -m bot.cli`: the same command line as the `finops-bot` script."""

from bot.cli import main

raise SystemExit(main())
