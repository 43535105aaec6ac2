"""``jifen dev``: the whole platform on one machine, for trying things by hand.

It starts (or uses) a local DynamoDB endpoint, creates the table from
template.yaml, and serves on one local port:

* every request the merchant API would get — translated into the API Gateway
  HTTP API (v2) event and handed to the real Lambda handler
  (:mod:`functions.handlers.merchant_api`), so ``POST /orders`` behaves as
  deployed;
* ``POST /dev/settle?date=YYYY-MM-DD`` — settle a day now (default: today in
  the business time zone); members' notifications go through the real
  notification handler to Telegram when a bot token is set;
* ``POST /dev/members`` ``{"member", "referrer"?, "telegram_id"?, "language"?}``
  — join a member without the bot; ``GET /dev/members/<member>`` — balances;
* ``GET /dev/health`` — what runs where, and the days settled so far.

``--accelerate SECONDS`` settles one simulated day every SECONDS seconds,
starting at ``--start-date``. With a bot token (``--bot-token`` or
``JIFEN_BOT_TOKEN``) the bot also runs, by long polling. Ctrl-C (or SIGTERM)
stops everything and exits 0.

The modules, one job each: :mod:`.config` (command line and environment →
:class:`~local.dev.config.DevConfig`), :mod:`.stack` (the runtime, the endpoint
and the use cases), :mod:`.server` (HTTP ↔ the handlers) and :mod:`.command`
(the verb: start, serve until interrupted, stop). The handlers run on one
:class:`~functions.runtime.Runtime` built from explicit settings: the process
environment is read for configuration and never written.
"""
