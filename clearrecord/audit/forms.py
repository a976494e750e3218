"""The audit page's filter form (GET)."""

from __future__ import annotations

from typing import Any

from django import forms

from clearrecord.accounts.counties import County

from .models import Outcome
from .selectors import AuditFilter


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False, label="Action")
    actor = forms.CharField(required=False, max_length=150, label="Username")
    outcome = forms.ChoiceField(
        required=False, choices=[("", "Any outcome"), *Outcome.choices], label="Outcome"
    )
    county = forms.ChoiceField(
        required=False, choices=[("", "Every county"), *County.choices], label="County"
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, actions: list[str], show_county: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action"), *((a, a) for a in actions)]
        if not show_county:
            del self.fields["county"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def to_filter(self) -> AuditFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return AuditFilter(
            action=data.get("action", ""),
            actor=data.get("actor", "").strip(),
            outcome=data.get("outcome", ""),
            county=data.get("county", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
