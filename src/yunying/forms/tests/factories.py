"""Factories for forms: a definition with one version built from a field list."""

from __future__ import annotations

from typing import Any

import factory

from yunying.forms.definition import definition_clean
from yunying.forms.models import FormDefinition, FormVersion


class FormDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormDefinition

    key = factory.Sequence(lambda n: f"form{n}")
    name = factory.Sequence(lambda n: f"表单{n}")
    name_en = factory.Sequence(lambda n: f"Form {n}")
    category = "测试"


class FormVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormVersion

    definition = factory.SubFactory(FormDefinitionFactory)
    number = 1
    is_published = True
    fields: Any = factory.LazyFunction(list)


def field(key: str, type: str, **props: Any) -> dict[str, Any]:
    return {"key": key, "type": type, "label_zh": props.pop("label_zh", key), **props}


def version_with(*fields: dict[str, Any], published: bool = True, **kwargs: Any) -> FormVersion:
    """A version of a new form holding `fields` (checked like the designer checks them)."""
    return FormVersionFactory(fields=definition_clean(list(fields)), is_published=published, **kwargs)
