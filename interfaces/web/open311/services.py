"""GeoReport v2 services (the service catalogue) and their definitions: priority, window, home service, site."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from application.reference import Category
from domain.order import PRIORITIES
from domain.site import Site

PRIORITY_NAMES = {"normal": "普通", "urgent": "加急"}


def service(category: Category) -> dict[str, Any]:
    return {"service_code": category.code, "service_name": category.name_zh,
            "description": f"{category.name}（{'上门服务' if category.home_service else '站点服务'}，"
                           f"约 {category.typical_minutes} 分钟）",
            "metadata": True, "type": "realtime", "keywords": category.code, "group": _group(category)}


def _group(category: Category) -> str:
    return "上门服务" if category.home_service else "站点服务"


def definition(category: Category, sites: Iterable[Site]) -> dict[str, Any]:
    attributes = [
        _attribute("priority", "singlevaluelist", False, "优先级：普通或加急（加急的期限更短）",
                   [{"key": key, "name": PRIORITY_NAMES[key]} for key in PRIORITIES]),
        _attribute("window_start", "datetime", False, "服务时段开始（W3C 时间，与 window_end 同给）"),
        _attribute("window_end", "datetime", False, "服务时段结束：有时段则为完成期限"),
        _attribute("site_id", "singlevaluelist", False, "服务站点（不给则按 lat/long 取最近的站）",
                   [{"key": site.code, "name": site.name_zh} for site in sites]),
        {**_attribute("home_service", "string", False,
                      "上门服务：须在 address_string 中给出居民地址" if category.home_service
                      else "站点服务：无需居民地址"), "variable": False},
    ]
    for order, attribute in enumerate(attributes, start=1):
        attribute["order"] = order
    return {"service_code": category.code, "attributes": attributes}


def _attribute(code: str, datatype: str, required: bool, description: str,
               values: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"variable": True, "code": code, "datatype": datatype, "required": required,
            "datatype_description": None, "description": description, **({"values": values} if values else {})}
