"""config.json and config_providers.json: the twin's name, storage periods, mode, and placement."""

from __future__ import annotations

from typing import Any

from twin_model.config import names as naming
from twin_model.config.context import LoadContext, is_int, short
from twin_model.config.model import Layer, Provider, Providers, TwinSettings, placement_problems

MODES = ("DEBUG", "PRODUCTION")
DEFAULT_MODE = "PRODUCTION"  # a missing mode never chooses destroyable resources
MAX_HOT_DAYS = 24_855  # Cosmos DB TTL: seconds in a signed 32-bit integer
MAX_COLD_DAYS = 99_999  # Azure Blob lifecycle rules


def twin_settings(ctx: LoadContext, raw: Any) -> TwinSettings | None:
    file = "config.json"
    if raw is None:
        return None
    if not isinstance(raw, dict):
        ctx.add(file, (), "a JSON object {digital_twin_name, hot_storage_size_in_days, cold_storage_size_in_days, mode}")
        return None
    before = len(ctx.problems)
    ctx.check_keys(
        raw,
        (),
        file,
        ("digital_twin_name", "hot_storage_size_in_days", "cold_storage_size_in_days", "mode"),
        {"observability": "logging follows mode (DEBUG: debug logs kept 1 week; PRODUCTION: 3 months)"},
    )
    name, resource = raw.get("digital_twin_name"), None
    if (
        not isinstance(name, str)
        or len(name) > naming.MAX_TWIN_NAME
        or not naming.TWIN_NAME.fullmatch(name)
    ):
        ctx.add(
            file,
            ("digital_twin_name",),
            f"a name of 1-{naming.MAX_TWIN_NAME} characters matching {naming.TWIN_NAME.pattern} (got {short(name)})",
        )
    else:
        resource = naming.resource_name(name)
        if resource is None:
            ctx.add(file, ("digital_twin_name",), f"a name with at least one letter or digit (got {name!r})")
        elif resource != name:
            ctx.warn(
                file,
                ("digital_twin_name",),
                f"{name!r} is used as {resource!r} in stack and resource names (they must match "
                f"{naming.RESOURCE_NAME.pattern}; the hash keeps it apart from similar names)",
            )
    for key, limit in (("hot_storage_size_in_days", MAX_HOT_DAYS), ("cold_storage_size_in_days", MAX_COLD_DAYS)):
        days = raw.get(key)
        if not is_int(days) or not 1 <= days <= limit:
            ctx.add(file, (key,), f"a whole number of days from 1 to {limit:,} (got {short(days)})")
    if "mode" in raw:
        mode = raw["mode"]
        if mode not in MODES:
            ctx.add(file, ("mode",), f"one of {', '.join(MODES)} (got {short(mode)})")
    else:
        mode = DEFAULT_MODE
        ctx.warn(file, ("mode",), f"missing: {DEFAULT_MODE} is used (data retained on destroy); set \"DEBUG\" for destroyable resources")
    if len(ctx.problems) > before or not isinstance(name, str) or resource is None:  # the last two: reported above
        return None
    return TwinSettings(name, raw["hot_storage_size_in_days"], raw["cold_storage_size_in_days"], mode, resource)


NONE = "none"


def providers(ctx: LoadContext, raw: Any) -> Providers | None:
    from twin_model.clouds import CLOUDS, provider_named  # imported late: twin_model.clouds imports the config model

    file = "config_providers.json"
    if raw is None:
        return None
    if not isinstance(raw, dict):
        ctx.add(file, (), "a JSON object of layer_*_provider keys")
        return None
    before = len(ctx.problems)
    ctx.check_keys(raw, (), file, tuple(layer.config_key for layer in Layer))
    chosen: dict[Layer, Provider] = {}
    left_out: set[Layer] = set()  # "none": left out where the rest still works (model.LAYER_NEEDS)
    for layer in Layer:
        value = raw.get(layer.config_key)
        if value is None:
            if layer in (Layer.L1, Layer.L2, Layer.L3_HOT):
                ctx.add(file, (layer.config_key,), "a provider: aws, azure, google or none")
            continue
        if isinstance(value, str) and value.strip().lower() == NONE:
            left_out.add(layer)
            continue
        provider = provider_named(value) if isinstance(value, str) else None
        if provider is None:
            ctx.add(file, (layer.config_key,), f"a provider: aws, azure or google (got {short(value)})")
            continue
        chosen[layer] = provider
    # Defaults follow the data: cold→hot, archive→cold, L4→hot, L5→L4 (also when L4 is "none"; none
    # without hot storage, which dashboards read).
    for layer, fallback in (
        (Layer.L3_COLD, Layer.L3_HOT),
        (Layer.L3_ARCHIVE, Layer.L3_COLD),
        (Layer.L4, Layer.L3_HOT),
        (Layer.L5, Layer.L4),
    ):
        if layer not in chosen and raw.get(layer.config_key) is None:
            if layer is Layer.L5 and Layer.L3_HOT in left_out:
                left_out.add(layer)  # dashboards read hot storage: without it, none
            elif fallback in chosen:
                chosen[layer] = chosen[fallback]
            elif fallback in left_out:
                left_out.add(layer)
    if len(chosen) + len(left_out) == len(Layer):  # every layer known: is the combination one that works?
        for layer, reason in placement_problems(chosen):
            source = "" if raw.get(layer.config_key) is not None else " (defaulted from another layer; set it explicitly)"
            ctx.add(file, (layer.config_key,), f"{reason}{source}")
    for layer, provider in chosen.items():
        why = CLOUDS[provider].why_not(layer)
        if why is not None:
            able = " or ".join(cloud.provider.value for cloud in CLOUDS.values() if layer in cloud.layers)
            source = "" if raw.get(layer.config_key) is not None else " (defaulted from another layer; set it explicitly)"
            ctx.add(file, (layer.config_key,), f"{able} or none: {why}{source}")
    if len(ctx.problems) > before or len(chosen) + len(left_out) != len(Layer):
        return None
    return Providers.of(chosen)
