"""ECharts options for the report pages, as plain dicts (rendered to JSON into `data-chart`).

Every chart keeps its labels inside the grid (`containLabel`) and scrolls its legend, so it stays readable
on a phone."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

PALETTE = ["#206bc4", "#2fb344", "#f59f00", "#d63939", "#ae3ec9", "#17a2b8", "#74b816", "#f76707"]


def to_json(option: dict[str, Any]) -> str:
    return json.dumps(option, cls=DjangoJSONEncoder, ensure_ascii=False)


def _base(title: str = "") -> dict[str, Any]:
    return {
        "color": PALETTE,
        "title": {"text": title, "left": 0, "textStyle": {"fontSize": 14}} if title else None,
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0, "right": 0},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
    }


def line(
    x: list[Any], series: dict[str, list[Any]], *, area: bool = False, smooth: bool = True
) -> dict[str, Any]:
    option = _base()
    option["xAxis"] = {"type": "category", "data": x, "boundaryGap": False}
    option["yAxis"] = {"type": "value", "scale": True}
    option["series"] = [
        {
            "name": name,
            "type": "line",
            "data": data,
            "smooth": smooth,
            "showSymbol": len(x) <= 31,
            **({"areaStyle": {"opacity": 0.12}} if area and index == 0 else {}),
        }
        for index, (name, data) in enumerate(series.items())
    ]
    return option


def bar(
    x: list[Any], series: dict[str, list[Any]], *, horizontal: bool = False, stack: bool = False
) -> dict[str, Any]:
    option = _base()
    option["tooltip"] = {"trigger": "axis", "axisPointer": {"type": "shadow"}}
    category: dict[str, Any] = {
        "type": "category",
        "data": x,
        "axisLabel": {"interval": 0, "hideOverlap": True},
    }
    value: dict[str, Any] = {"type": "value"}
    if horizontal:
        category["inverse"] = True
        option["xAxis"], option["yAxis"] = value, category
    else:
        option["xAxis"], option["yAxis"] = category, value
    option["series"] = [
        {"name": name, "type": "bar", "data": data, **({"stack": "total"} if stack else {})}
        for name, data in series.items()
    ]
    return option


def pareto(
    names: list[str], amounts: list[float], cumulative: list[float], *, amount_label: str, share_label: str
) -> dict[str, Any]:
    option = _base()
    option["tooltip"] = {"trigger": "axis", "axisPointer": {"type": "shadow"}}
    option["xAxis"] = {
        "type": "category",
        "data": names,
        "axisLabel": {"rotate": 45, "interval": 0, "fontSize": 10},
    }
    option["yAxis"] = [
        {"type": "value"},
        {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
    ]
    option["series"] = [
        {"name": amount_label, "type": "bar", "data": amounts},
        {
            "name": share_label,
            "type": "line",
            "yAxisIndex": 1,
            "data": cumulative,
            "smooth": True,
            "markLine": {"silent": True, "symbol": "none", "data": [{"yAxis": 80}, {"yAxis": 95}]},
        },
    ]
    return option


def pie(items: dict[str, float]) -> dict[str, Any]:
    option = _base()
    option["tooltip"] = {"trigger": "item", "formatter": "{b}: {c} ({d}%)"}
    option["grid"] = None
    option["series"] = [
        {
            "type": "pie",
            "radius": ["40%", "68%"],
            "center": ["50%", "56%"],
            "data": [{"name": k, "value": v} for k, v in items.items()],
            "label": {"position": "inside", "formatter": "{d}%", "color": "#fff"},
        }
    ]
    return option


def heatmap(
    x: list[str], y: list[str], cells: list[list[Any]], *, low: float, high: float, label: str
) -> dict[str, Any]:
    """`cells` are [x index, y index, value]; the colour runs from red (low) through white to green."""
    option = _base()
    option["tooltip"] = {"position": "top"}
    option["grid"] = {"left": 8, "right": 16, "top": 8, "bottom": 56, "containLabel": True}
    option["xAxis"] = {"type": "category", "data": x, "splitArea": {"show": True}}
    option["yAxis"] = {"type": "category", "data": y, "splitArea": {"show": True}, "inverse": True}
    option["visualMap"] = {
        "min": low,
        "max": high,
        "calculable": True,
        "orient": "horizontal",
        "left": "center",
        "bottom": 0,
        "text": [label, ""],
        "inRange": {"color": ["#d63939", "#ffffff", "#2fb344"]},
    }
    option["series"] = [
        {"type": "heatmap", "data": cells, "label": {"show": len(x) * len(y) <= 400, "fontSize": 9}}
    ]
    option["legend"] = None
    return option


def rank_lines(x: list[str], ranks: dict[str, list[int | None]], *, store_count: int) -> dict[str, Any]:
    option = _base()
    option["yAxis"] = {
        "type": "value",
        "inverse": True,
        "min": 1,
        "max": max(store_count, 1),
        "interval": 1,
        "axisLabel": {"showMaxLabel": True},
    }
    option["xAxis"] = {"type": "category", "data": x, "boundaryGap": False}
    option["series"] = [
        {
            "name": name,
            "type": "line",
            "data": data,
            "endLabel": {"show": True, "formatter": "{a}"},
            "emphasis": {"focus": "series"},
        }
        for name, data in ranks.items()
    ]
    option["grid"]["right"] = 72
    return option
