"""The office -> city feed: triggers fill the outbox, `push` sends it, the city's `apply` keeps a copy.

Office: migration 0301's triggers write one feed_outbox row per change of a fed table, in the change's own
transaction; `flask city-feed` (push.py) sends them in seq order to the city and forgets what the city
acknowledged. City: POST /kota/api/feed (api.py, apply.py) applies a batch exactly once, in order, into
feed_row and the report projections; `flask city-pair` (pairing.py) gives an office its credential.
"""
from . import api, commands, views_twins  # noqa: F401  (routes and commands attach to the city blueprint)
