"""Plain-words labels for the codes stored on convictions, determinations and decisions."""

from __future__ import annotations

from django import template

from .. import workflow as wf
from ..filters import LEVELS, OUTCOMES

register = template.Library()


@register.filter
def outcome_label(code: str | None) -> str:
    return OUTCOMES.get(code or "", code or "")


@register.filter
def state_label(code: str | None) -> str:
    return wf.STATE_LABELS.get(code or "", code or "")


@register.filter
def level_label(code: str | None) -> str:
    return LEVELS.get(code or "", code or "")


@register.filter
def ground_label(code: str | None) -> str:
    return wf.GROUNDS.get(code or "", code or "")


@register.filter
def remedy_label(code: str | None) -> str:
    return wf.REMEDIES.get(code or "", (code or "").replace("_", " "))
