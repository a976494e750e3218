from __future__ import annotations

from typing import Any

from django import forms

from clearrecord.cases.models import Evaluation
from clearrecord.intake.forms import SECTIONS, OptionsForm


class EvaluationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Evaluation) -> str:
        current = " (current)" if obj.is_current else ""
        trial = " (what-if trial)" if obj.is_trial else ""
        state = "" if obj.state == Evaluation.State.COMPLETE else f" · {obj.get_state_display()}"
        return (
            f"Upload #{obj.upload_id} · evaluation #{obj.pk}{current}{trial} · {obj.rule_set} · "
            f"computed {obj.compute_at:%Y-%m-%d} · {obj.created_at:%Y-%m-%d %H:%M}{state}"
        )


class WhatIfForm(forms.Form):
    a = EvaluationChoice(queryset=Evaluation.objects.none(), label="Compare evaluation (A)")
    b = EvaluationChoice(queryset=Evaluation.objects.none(), label="with evaluation (B)")

    def __init__(
        self, *args: Any, evaluations: Any, b_evaluations: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["a"].queryset = evaluations
        # B may also be a trial still being computed: the page then shows its progress.
        self.fields["b"].queryset = evaluations if b_evaluations is None else b_evaluations

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


class TrialForm(OptionsForm):
    """Side A (an evaluation of the upload) and, for side B, the upload form's own choices."""

    a = EvaluationChoice(queryset=Evaluation.objects.none(), label="Compare evaluation (A)")

    def __init__(self, *args: Any, evaluations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["a"].queryset = evaluations


def options_initial(evaluation: Evaluation) -> dict[str, Any]:
    """The options form's initial values that reproduce `evaluation`'s choices."""
    options = evaluation.options or {}
    initial: dict[str, Any] = {
        "a": evaluation.pk,
        "compute_at": evaluation.compute_at,
        "rule_set": evaluation.rule_set,
    }
    baseline = options.get("baselineEligibility") or {}
    for section in SECTIONS:
        if section in (baseline.get("dismiss") or ()):
            initial[f"section_{section}"] = "dismiss"
        elif section in (baseline.get("reduce") or ()):
            initial[f"section_{section}"] = "reduce"
        elif baseline:
            initial[f"section_{section}"] = "none"
    extra = options.get("additionalRelief") or {}
    for field, key in (
        ("subject_under_21", "subjectUnder21AtConviction"),
        ("subject_age_threshold", "subjectAgeThreshold"),
        ("years_since_conviction", "yearsSinceConvictionThreshold"),
        ("years_crime_free", "yearsCrimeFreeThreshold"),
        ("subject_is_deceased", "subjectIsDeceased"),
        ("only_prop64", "subjectHasOnlyProp64Charges"),
    ):
        if key in extra:
            initial[field] = extra[key]
    for field, key in (
        ("prior_timing", "priorTiming"),
        ("individual_dismiss_age", "individualDismissAge"),
        ("years_conviction_free", "yearsConvictionFree"),
    ):
        if key in options:
            initial[field] = options[key]
    return initial
