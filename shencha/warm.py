"""Imported by the batch's fork server: load, once and before any worker is forked, what every worker needs.

``multiprocessing``'s fork server imports the modules it is told to preload, then forks each
worker from itself. ``shencha.batch`` names this module among them and, while it starts the
server, puts the batch's profile in ``$SHENCHA_WARM`` (JSON). Importing this module there
loads the profile, the models (their arrays memory-mapped from the cache) and the tokenizer,
screens one of the profile's bundled training documents (so that what the stages build on
first use — OpenCC's dictionaries, compiled patterns — exists too), and freezes the garbage
collector's view of all of it (``gc.freeze``: a collection in a worker then never writes to
these objects). The workers forked from the server share these pages, copy-on-write, instead
of each loading its own copy.

It never trains: when the models are not in the cache yet, only the profile and the tokenizer
are loaded (the batch trains once, and each worker then loads the cache). Whatever fails here
is ignored: a worker loads what it still needs itself.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
from typing import Any

from pipeline.profile import load_profile
from pipeline.segment import get_tokenizer
from shencha.batch import WARM_ENV
from shencha.cache import is_cached
from shencha.screener import Screener


def warm(spec: dict[str, Any]) -> None:
    """Load the profile ``spec["profile"]``, its cached models and its tokenizer into this process."""
    profile = load_profile(spec["profile"])
    get_tokenizer(str(profile.userdict))
    if not is_cached(profile):
        return
    screener = Screener(spec["profile"])
    sample = next(iter(sorted((profile.training / "doctypes").glob("*.txt"))), None)
    if sample is not None:
        screener.screen(sample)


def _from_environment() -> None:
    raw = os.environ.get(WARM_ENV)
    if not raw:
        return
    with contextlib.suppress(Exception):  # a worker then loads what it needs itself
        warm(json.loads(raw))
    gc.collect()
    gc.freeze()


_from_environment()
