"""Events: verified webhooks in, a durable event log, subscriptions out (DESIGN §7).

* :mod:`.model` what the log holds; :mod:`.log` the interface and the fan-out rules;
  :mod:`.memory` (embedded) and :mod:`.redis_log` (Redis Streams) implement it;
* :mod:`.webhooks` the ``POST /webhooks/{account}`` handler;
* :mod:`.service` one process's log, cursors (:mod:`.cursors`) and visibility rules;
* :mod:`.settings` the ``[events]`` table.

Nothing is imported here: :mod:`gateway.settings` imports :mod:`.settings`, and the rest
imports the settings.
"""
