"""The upload form: county data, compute date, rule set and BEAR's choices of options.

The form only maps fields to the engine's options object; `eligibility.rules.validate_options`
decides what is valid and its exact message is shown (rules spec §4.1, §5.1, §6.1).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from eligibility.rules import OptionsError, validate_options

SECTIONS = ("11357", "11358", "11359", "11360")
SECTION_CHOICES = [
    ("dismiss", "Dismiss and seal"),
    ("reduce", "Reduce to a misdemeanour"),
    ("none", "No baseline relief"),
]
RULE_SET_CHOICES = [
    ("statutory", "Statutory — H&S 11361.8 / 11361.9 as written"),
    ("bear", "BEAR — Code for America's configurable flow"),
    ("la_pilot_2019", "Los Angeles pilot (2019)"),
]
PRIOR_TIMING_CHOICES = [
    ("beforeConviction", "Priors before the Prop 64 conviction"),
    ("beforeComputeDate", "Priors before the compute date"),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".csv,.txt,text/csv"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class OptionsForm(forms.Form):
    """The evaluation choices; shared by the upload form and re-evaluation."""

    compute_at = forms.DateField(
        label="Compute date",
        help_text="Eligibility is decided as of this date (YYYY-MM-DD).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    rule_set = forms.ChoiceField(label="Rule set", choices=RULE_SET_CHOICES, initial="statutory")
    section_11357 = forms.ChoiceField(
        label="H&S 11357 (possession)",
        choices=SECTION_CHOICES,
        initial="dismiss",
        widget=forms.RadioSelect,
    )
    section_11358 = forms.ChoiceField(
        label="H&S 11358 (cultivation)",
        choices=SECTION_CHOICES,
        initial="reduce",
        widget=forms.RadioSelect,
    )
    section_11359 = forms.ChoiceField(
        label="H&S 11359 (possession for sale)",
        choices=SECTION_CHOICES,
        initial="reduce",
        widget=forms.RadioSelect,
    )
    section_11360 = forms.ChoiceField(
        label="H&S 11360 (transport, sale)",
        choices=SECTION_CHOICES,
        initial="reduce",
        widget=forms.RadioSelect,
    )
    subject_under_21 = forms.BooleanField(
        label="Dismiss when the person was under 21 at conviction", required=False
    )
    subject_age_threshold = forms.IntegerField(
        label="Dismiss when the person is at least this age (40 to 65, or 0 for off)",
        initial=0,
        required=False,
    )
    years_since_conviction = forms.IntegerField(
        label="Dismiss when the conviction is at least this many years old (1 to 15, or 0)",
        initial=0,
        required=False,
    )
    years_crime_free = forms.IntegerField(
        label="Dismiss when crime-free for this many years (1 to 15, or 0)",
        initial=0,
        required=False,
    )
    subject_is_deceased = forms.BooleanField(
        label="Dismiss when the person is deceased", required=False
    )
    only_prop64 = forms.BooleanField(
        label="Dismiss when the person has only Prop 64 convictions", required=False
    )
    prior_timing = forms.ChoiceField(
        label="Prior-conviction timing (statutory)",
        choices=PRIOR_TIMING_CHOICES,
        initial="beforeConviction",
        widget=forms.RadioSelect,
    )
    individual_dismiss_age = forms.IntegerField(
        label="LA pilot: dismiss at this age (18 to 100, or 0 for 50)", initial=0, required=False
    )
    years_conviction_free = forms.IntegerField(label="LA pilot: years conviction-free (1 to 50, or 0 for 10)", initial=0, required=False)  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compute_at"].initial = timezone.localdate()
        self.validated: Any = None

    def options_payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        rule_set = data["rule_set"]
        if rule_set == "la_pilot_2019":
            return {
                "individualDismissAge": data.get("individual_dismiss_age") or 0,
                "yearsConvictionFree": data.get("years_conviction_free") or 0,
            }
        payload: dict[str, Any] = {
            "baselineEligibility": {
                "dismiss": [s for s in SECTIONS if data.get(f"section_{s}") == "dismiss"],
                "reduce": [s for s in SECTIONS if data.get(f"section_{s}") == "reduce"],
            },
            "additionalRelief": {
                "subjectUnder21AtConviction": bool(data.get("subject_under_21")),
                "subjectAgeThreshold": data.get("subject_age_threshold") or 0,
                "yearsSinceConvictionThreshold": data.get("years_since_conviction") or 0,
                "yearsCrimeFreeThreshold": data.get("years_crime_free") or 0,
                "subjectIsDeceased": bool(data.get("subject_is_deceased")),
                "subjectHasOnlyProp64Charges": bool(data.get("only_prop64")),
            },
        }
        if rule_set == "statutory":
            payload["priorTiming"] = data.get("prior_timing") or "beforeConviction"
        return payload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            try:
                self.validated = validate_options(cleaned["rule_set"], self.options_payload())
            except OptionsError as exc:
                self.add_error(None, str(exc))  # the engine's exact words
        return cleaned


class UploadForm(OptionsForm):
    files = MultipleFileField(
        label="DOJ research files",
        help_text="One or more comma-separated files exactly as DOJ delivered them, in order.",
    )
