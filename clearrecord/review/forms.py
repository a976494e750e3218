"""Forms of the review actions: input shape only; the rules live in workflow.py and services.py."""

from __future__ import annotations

from django import forms

from . import workflow as wf


class ActionForm(forms.Form):
    """Every action carries the version the person saw, so a change since is caught (409)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    next = forms.CharField(widget=forms.HiddenInput, required=False)


class ChallengeForm(ActionForm):
    ground = forms.ChoiceField(
        choices=list(wf.GROUNDS.items()),
        widget=forms.RadioSelect(attrs={"data-key": "c"}),
        label="Ground",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=wf.NOTE_MAX_LENGTH,
        label="Reason (shared with the public defender)",
    )


class ModifyForm(ActionForm):
    remedy = forms.ChoiceField(
        choices=[("", "Choose the remedy…"), *wf.REMEDIES.items()], label="Remedy to apply"
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=wf.NOTE_MAX_LENGTH, label="Reason"
    )


class ObjectionForm(ActionForm):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=wf.NOTE_MAX_LENGTH,
        label="Objection (what the DA should reconsider)",
    )


class RespondForm(ActionForm):
    response = forms.ChoiceField(
        choices=[
            ("maintain", "Maintain the decision (note required)"),
            ("withdraw", "Withdraw the decision"),
        ],
        widget=forms.RadioSelect,
        label="Response",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=wf.NOTE_MAX_LENGTH,
        required=False,
        label="Response note",
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=wf.NOTE_MAX_LENGTH, label="Comment"
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            (wf.NOT_CHALLENGE, "Mark not challenged"),
            (wf.RELEASE, "Release for export"),
        ]
    )
    expected = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class CountySettingsForm(forms.Form):
    reviewers_may_bulk = forms.BooleanField(
        required=False,
        label="DA reviewers may take bulk decisions (mark not challenged in bulk)",
        help_text="Off: only supervisors act in bulk. Releasing for export stays with "
        "supervisors either way.",
    )


class AssignForm(ActionForm):
    reviewer = forms.TypedChoiceField(coerce=int, label="Assign to")

    def __init__(self, *args: object, reviewers: list[tuple[str, str]] = (), **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["reviewer"].choices = [("", "Choose a DA…"), *reviewers]
