"""Terms whose use rose before an event: the analysis lives in the timeline
(:func:`workbench.timeline.rising_terms`); the briefing uses it from there."""

from ..timeline import rising_terms

__all__ = ["rising_terms"]
