"""Forms of the clerk's actions: input shape only; the rules live in services.py."""

from __future__ import annotations

from django import forms

from .models import OrderOutcome

OUTCOMES = list(OrderOutcome.choices)
CHALLENGED_OUTCOMES = [
    (OrderOutcome.GRANTED.value, "Granted (challenge overruled)"),
    (OrderOutcome.DENIED.value, "Denied (challenge sustained)"),
    (OrderOutcome.MODIFIED.value, "Modified"),
]


class OrderForm(forms.Form):
    order_date = forms.DateField(
        label="Date of the order", widget=forms.DateInput(attrs={"type": "date"})
    )
    judge = forms.CharField(label="Judge", max_length=200)
    order_number = forms.CharField(label="Order number", max_length=64)
    scope = forms.ChoiceField(
        label="Convictions this order rules on",
        choices=[
            ("all", "Every conviction of the batch still waiting for an order"),
            ("selected", "Only the convictions ticked below"),
        ],
        initial="all",
        widget=forms.RadioSelect,
    )
    outcome = forms.ChoiceField(
        label="Outcome for the convictions the DA did not challenge",
        choices=OUTCOMES,
        initial=OrderOutcome.GRANTED,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="How the court modified relief", required=False, max_length=1000)
    challenged_outcome = forms.ChoiceField(
        label="Outcome for the challenged convictions",
        choices=CHALLENGED_OUTCOMES,
        required=False,
        widget=forms.RadioSelect,
        help_text="The court rules on each challenge: there is no default.",
    )
    challenged_note = forms.CharField(
        label="How the court modified relief (challenged)", required=False, max_length=1000
    )


def parse_selection(data: dict[str, list[str]]) -> tuple[list[int], dict[int, tuple[str, str]]]:
    """Ticked conviction ids and per-conviction outcomes (`outcome-<id>`, `note-<id>`) of a POST.

    Values that are not ids or outcomes are ignored: the service checks that every id is in the
    batch, so a forged id cannot reach another batch's conviction.
    """
    ticked = [int(v) for v in data.get("convictions", []) if v.isdigit()]
    overrides: dict[int, tuple[str, str]] = {}
    for key, values in data.items():
        if not key.startswith("outcome-") or not key[8:].isdigit():
            continue
        outcome = values[-1] if values else ""
        if outcome in OrderOutcome.values:
            note = (data.get(f"note-{key[8:]}") or [""])[-1]
            overrides[int(key[8:])] = (outcome, note)
    return ticked, overrides
