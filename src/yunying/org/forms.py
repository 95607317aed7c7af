"""Input validation at the edge of the org pages; the rules themselves live in org.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yunying.org.models import Employee, OrgUnit, Position, Store, UnitKind, validate_time_zone
from yunying.org.scope import employees_visible_to, stores_visible_to, units_visible_to

NO_REGION = ""


class _Bootstrap:
    def _style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if isinstance(field.widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                continue
            field.widget.attrs.setdefault("class", css)


class DateInput(forms.DateInput):
    """A browser date picker: its value must be ISO (2026-12-01), whatever the language's date format."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None):
        super().__init__(attrs, format=format or "%Y-%m-%d")


def _region_choices(user: Any) -> list[tuple[str, str]]:
    regions = units_visible_to(user).filter(kind=UnitKind.REGION).order_by("code")
    return [(NO_REGION, str(_("无区域（管理部直管）")))] + [(r.code, f"{r.name} · {r.area}") for r in regions]


class StoreForm(_Bootstrap, forms.Form):
    code = forms.CharField(label=_("门店编码"), max_length=30)
    name = forms.CharField(label=_("门店名称"), max_length=100)
    area = forms.CharField(label=_("所在地区"), max_length=50)
    region = forms.ChoiceField(label=_("所属区域"), required=False)
    opened_on = forms.DateField(label=_("开业日期"), required=False, widget=DateInput)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)
    time_zone = forms.CharField(
        label=_("时区"),
        max_length=50,
        required=False,
        validators=[validate_time_zone],
        help_text=_("IANA 时区名，如 Asia/Urumqi；留空则沿用上级单位的时区，最终为公司时区"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices(user)  # type: ignore[attr-defined]
        self._style()


class StoreEditForm(_Bootstrap, forms.Form):
    name = forms.CharField(label=_("门店名称"), max_length=100)
    area = forms.CharField(label=_("所在地区"), max_length=50)
    opened_on = forms.DateField(label=_("开业日期"), required=False, widget=DateInput)
    closed_on = forms.DateField(label=_("停业日期"), required=False, widget=DateInput)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)
    time_zone = forms.CharField(
        label=_("时区"),
        max_length=50,
        required=False,
        validators=[validate_time_zone],
        help_text=_("IANA 时区名，如 Asia/Urumqi；留空则沿用上级单位的时区，最终为公司时区"),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._style()


class MoveStoreForm(_Bootstrap, forms.Form):
    region = forms.ChoiceField(label=_("调整到区域"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices(user)  # type: ignore[attr-defined]
        self._style()


class RegionForm(_Bootstrap, forms.Form):
    code = forms.CharField(label=_("区域编码"), max_length=30)
    name = forms.CharField(label=_("区域名称"), max_length=100)
    area = forms.CharField(label=_("所在地区"), max_length=50)
    stores = forms.ModelMultipleChoiceField(
        label=_("门店"), queryset=Store.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["stores"].queryset = stores_visible_to(user).order_by("code")  # type: ignore[attr-defined]
        self.fields["stores"].label_from_instance = lambda s: f"{s.code} {s.name}（{s.area}）"  # type: ignore[attr-defined]
        self._style()


class EmployeeForm(_Bootstrap, forms.Form):
    employee_no = forms.CharField(label=_("工号"), max_length=30)
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.RegexField(label=_("手机"), regex=r"^[0-9+\- ]{0,30}$", required=False)
    hired_on = forms.DateField(label=_("入职日期"), required=False, widget=DateInput)
    is_external_hire = forms.BooleanField(label=_("外聘干部"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._style()


class AppointmentForm(_Bootstrap, forms.Form):
    employee = forms.ModelChoiceField(label=_("员工"), queryset=Employee.objects.none())
    position = forms.ModelChoiceField(label=_("岗位"), queryset=Position.objects.none())
    unit = forms.ModelChoiceField(label=_("单位"), queryset=OrgUnit.objects.none())
    started_on = forms.DateField(label=_("任职日期"), required=False, widget=DateInput)

    def __init__(self, *args: Any, user: Any, unit: OrgUnit | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = employees_visible_to(user).filter(is_active=True)  # type: ignore[attr-defined]
        positions = Position.objects.all()
        units = units_visible_to(user)
        if unit is not None:
            positions = positions.filter(unit_kind=unit.kind)
            units = units.filter(pk=unit.pk)
            self.fields["unit"].initial = unit.pk
            self.fields["unit"].widget = forms.HiddenInput()
        self.fields["position"].queryset = positions  # type: ignore[attr-defined]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self._style()


class EndAppointmentForm(_Bootstrap, forms.Form):
    appointment = forms.IntegerField(widget=forms.HiddenInput)
    ended_on = forms.DateField(label=_("离任日期"), required=False, widget=DateInput)
    reason = forms.CharField(label=_("离任原因"), max_length=200, required=False)


class ImportForm(_Bootstrap, forms.Form):
    kind = forms.ChoiceField(
        label=_("导入内容"),
        choices=[("stores", pgettext_lazy("plural", "门店")), ("employees", _("员工及任职"))],
    )
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._style()
