from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yunying.assets.models import AssetState


class AssetImportForm(forms.Form):
    file = forms.FileField(
        label=_("文件（.xlsx 或 .csv）"), widget=forms.ClearableFileInput(attrs={"class": "form-control"})
    )


class AssetStateForm(forms.Form):
    state = forms.ChoiceField(
        label=_("新状态"),
        choices=[(s.value, s.label) for s in AssetState if s != AssetState.WRITTEN_OFF],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(
        label=_("说明"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
