"""What the indicators register at start-up (from the app's ``ready()``): the catalogue, validated — an invalid
catalogue fails start-up, not the first dashboard request — and the watchers on the lower apps' models that mark
schools (or districts) dirty for the incremental rollup (each compute module's ``WATCHES``)."""

from __future__ import annotations

from supervision.indicators import catalogue, dirty


def register() -> None:
    catalogue.load()
    dirty.connect_watchers()
