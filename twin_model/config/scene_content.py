"""What a 3D scene may load and show: assets from the project or the twin's own storage, https
links, text without markup (docs/design.md §3).

A scene is opened in a browser by whoever looks at the twin (the TwinMaker scene viewer in
Grafana, Azure 3D Scenes Studio). A model from someone else's bucket or host would show (and
track) what its owner chooses; a `javascript:` or `data:` URL, or markup in a name, would run in
the viewer's session. So:
- IoT TwinMaker (`scene.json`): a ModelRef names a file of `scene_assets/aws/` (it is uploaded to
  the workspace bucket and pointed at it, whatever bucket the uri names); any other uri with a
  scheme, in a ModelRef or anywhere else (`textureUri`, a Tag's `navLink`), is refused unless
  `scene_assets/allowed_sources.json` lists its source.
- 3D Scenes Studio (`3DScenesConfiguration.json`, the schema of microsoft/iot-cardboard-js
  v1.0.0): an asset `url` is `{{STORAGE_URL}}/<a file of scene_assets/azure/>` (the twin's own
  blob container, filled in by the post-deploy step) or an allowed https source; a Link widget's
  `linkExpression` is an https link.
- Both: no string holds markup (`<tag`, `<!--`) or starts with a script-running or insecure URL
  (`javascript:`, `vbscript:`, `data:`, `http:`, `file:`), and no Markdown link points at one.
  Expressions (`valueExpression`, rule `expression`s, ...) compare with `<`: only their URLs are
  checked.
`allowed_sources.json` is `{"allowedSources": ["s3://bucket/prefix/", "https://host/path/"]}`:
each a folder (ending in `/`) the scene may load from; https only for 3D Scenes Studio.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from twin_model.config.context import LoadContext
from twin_model.config.documents import PathParts
from twin_model.config.model import Provider

ALLOWED_SOURCES_FILE = "scene_assets/allowed_sources.json"
STORAGE_URL = "{{STORAGE_URL}}"
_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):(?!\s)")  # `data: 5` in a label is no URL
_UNSAFE_SCHEMES = ("javascript", "vbscript", "data", "http", "file", "ftp", "blob", "filesystem")
_MARKUP = re.compile(r"<[A-Za-z!/?]")
_MARKDOWN_LINK = re.compile(r"\]\(\s*<?\s*([A-Za-z][A-Za-z0-9+.-]*):")
_LINK_KEYS = ("destination", "link", "linkexpression")  # key names (lower case suffixes) holding a link: https
_ASSET_KEYS = ("uri", "url")  # ... holding an asset the viewer loads: the project's own, or an allowed source
_SOURCE = {Provider.AWS: re.compile(r"^(s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/|https://[A-Za-z0-9.-]+(:[0-9]+)?/)[^\s]*$"),
           Provider.AZURE: re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]+)?/[^\s]*$")}


def allowed_sources(ctx: LoadContext, cloud: Provider) -> tuple[str, ...]:
    """The project's explicit list of foreign sources (none without the file)."""
    document = ctx.document(ALLOWED_SOURCES_FILE, required=False)
    if document is None:
        return ()
    if not isinstance(document, dict) or not isinstance(document.get("allowedSources"), list):
        ctx.add(ALLOWED_SOURCES_FILE, (), '{"allowedSources": [...]}: the folders a scene may load assets from')
        return ()
    ctx.check_keys(document, (), ALLOWED_SOURCES_FILE, ("allowedSources",))
    sources = []
    kinds = "an https://host/folder/ or s3://bucket/folder/" if cloud is Provider.AWS else "an https://host/folder/"
    for index, source in enumerate(document["allowedSources"]):
        if isinstance(source, str) and _SOURCE[cloud].fullmatch(source) and source.endswith("/"):
            sources.append(source)
        else:
            ctx.add(ALLOWED_SOURCES_FILE, ("allowedSources", index),
                    f"{kinds} (a folder, ending in /) for the {cloud.value} scene (got {source!r})")
    return tuple(sources)


def check_twinmaker_scene(ctx: LoadContext, relative: str, document: dict[str, Any], files: set[str],
                          sources: tuple[str, ...]) -> None:
    from twin_model.config.scenes import FOLDER, model_file

    models: set[PathParts] = set()
    for index, node in enumerate(document.get("nodes", [])):
        for position, component in enumerate(node.get("components", []) if isinstance(node, dict) else []):
            if not isinstance(component, dict) or component.get("type") != "ModelRef":
                continue
            parts: PathParts = ("nodes", index, "components", position, "uri")
            models.add(parts)
            uri = component.get("uri")
            name = model_file(uri)
            if name is not None and name in files:
                continue  # uploaded next to the scene and pointed at the workspace bucket
            if isinstance(uri, str) and _SCHEME.match(uri):
                if not _allowed(uri, sources):
                    ctx.add(relative, parts, f"a model of {FOLDER}/aws/, uploaded to the twin's own bucket (got {uri!r}, "
                            f"which names no file there and points elsewhere: list its source in {ALLOWED_SOURCES_FILE} "
                            "to load it from there)")
            else:
                ctx.warn(relative, parts, f"names no file of {FOLDER}/aws/ ({uri!r}): the scene will not find this model "
                         "(the files of that folder are uploaded next to the scene)")
    _check_strings(ctx, relative, document, sources, skip=models)


def check_studio_configuration(ctx: LoadContext, relative: str, document: dict[str, Any], files: set[str],
                               sources: tuple[str, ...]) -> None:
    from twin_model.config.scenes import FOLDER

    configuration = document.get("configuration")
    scenes = configuration.get("scenes") if isinstance(configuration, dict) else None
    if not isinstance(scenes, list):
        ctx.add(relative, ("configuration", "scenes"), "an array of scenes (a 3D Scenes Studio configuration: "
                "{$schema, configuration: {scenes, behaviors, layers}})")
        return
    assets: set[PathParts] = set()
    for index, scene in enumerate(scenes):
        for position, asset in enumerate(scene.get("assets", []) if isinstance(scene, dict) else []):
            parts: PathParts = ("configuration", "scenes", index, "assets", position, "url")
            assets.add(parts)
            url = asset.get("url") if isinstance(asset, dict) else None
            own = f"{STORAGE_URL}/"
            if isinstance(url, str) and url.startswith(own) and url[len(own):] in files:
                continue
            if isinstance(url, str) and url.startswith("https://") and _allowed(url, sources):
                continue
            ctx.add(relative, parts, f"{own}<a file of {FOLDER}/azure/>: the twin's own blob container (got {url!r}; "
                    f"a model from another https host loads only when {ALLOWED_SOURCES_FILE} lists its source)")
    _check_strings(ctx, relative, document, sources, skip=assets)


def _check_strings(ctx: LoadContext, relative: str, document: Any, sources: tuple[str, ...], skip: set[PathParts]) -> None:
    """Every string of the scene but those checked above: no markup, no unsafe URL."""
    for parts, key, text in _strings(document):
        if parts in skip or parts == ("$schema",):
            continue
        expression = key.lower().endswith("expression")
        if not expression and _MARKUP.search(text):
            ctx.add(relative, parts, "text without markup (<tag, <!--): the viewer shows it in a web page")
            continue
        scheme = _SCHEME.match(text.strip("`'\" "))
        if scheme and scheme.group(1).lower() in _UNSAFE_SCHEMES:
            ctx.add(relative, parts, f"no {scheme.group(1)}: URL (https only; got {_short(text)})")
            continue
        link = _MARKDOWN_LINK.search(text)
        if link and link.group(1).lower() != "https":
            ctx.add(relative, parts, f"Markdown links to https: only (got a {link.group(1)}: link)")
            continue
        lower = key.lower()
        if scheme and lower.endswith(_LINK_KEYS) and scheme.group(1).lower() != "https":
            ctx.add(relative, parts, f"an https link (got {_short(text)})")
        elif scheme and lower.endswith(_ASSET_KEYS) and not _allowed(text, sources):
            ctx.add(relative, parts, f"a file of the project (a relative name), or a URL under a source "
                    f"{ALLOWED_SOURCES_FILE} lists (got {_short(text)})")


def _strings(node: Any, parts: PathParts = (), key: str = "") -> Iterator[tuple[PathParts, str, str]]:
    pending: list[tuple[Any, PathParts, str]] = [(node, parts, key)]
    while pending:
        value, here, name = pending.pop()
        if isinstance(value, str):
            yield here, name, value
        elif isinstance(value, dict):
            pending.extend((child, here + (child_key,), child_key) for child_key, child in value.items())
            pending.extend((child_key, here + (child_key,), "key") for child_key in value)  # keys are shown too
        elif isinstance(value, list):
            pending.extend((child, here + (index,), name) for index, child in enumerate(value))


def _allowed(url: str, sources: tuple[str, ...]) -> bool:
    return any(url.startswith(source) for source in sources) and ".." not in url.split("?", 1)[0].split("/")


def _short(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57] + "...")
