from __future__ import annotations

from typing import Any

from django import forms

from clearrecord.cases.models import Evaluation


class EvaluationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Evaluation) -> str:
        current = " (current)" if obj.is_current else ""
        return (
            f"Upload #{obj.upload_id} · evaluation #{obj.pk}{current} · {obj.rule_set} · "
            f"computed {obj.compute_at:%Y-%m-%d} · {obj.created_at:%Y-%m-%d %H:%M}"
        )


class WhatIfForm(forms.Form):
    a = EvaluationChoice(queryset=Evaluation.objects.none(), label="Compare evaluation (A)")
    b = EvaluationChoice(queryset=Evaluation.objects.none(), label="with evaluation (B)")

    def __init__(self, *args: Any, evaluations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["a"].queryset = evaluations
        self.fields["b"].queryset = evaluations

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        a, b = data.get("a"), data.get("b")
        if a and b:
            if a.pk == b.pk:
                raise forms.ValidationError("Choose two different evaluations.")
            if a.upload_id != b.upload_id:
                raise forms.ValidationError(
                    "Choose two evaluations of the same upload: only those cover the same "
                    "convictions."
                )
        return data
