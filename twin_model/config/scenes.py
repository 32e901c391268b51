"""scene_assets/: the 3D scene deployed with the twin when `needs3DModel` is true (the predecessor's V16).

- L4 on AWS: `scene_assets/aws/scene.json` (an IoT TwinMaker scene) and the files it shows (GLB,
  glTF, textures) go to the workspace bucket under `scene_assets/`; the scene's model references
  to those files are pointed at that bucket (the predecessor's template left a placeholder bucket
  name there); the TwinMaker scene `main-scene` is created from it.
- L4 on Azure: `scene_assets/azure/3DScenesConfiguration.json` (3D Scenes Studio) and its model
  files go to a blob container the studio reads (CORS for it); `{{STORAGE_URL}}` in the
  configuration becomes the container's URL when the post-deploy step uploads it.
What a scene may load and show is checked by twin_model.config.scene_content.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from twin_model.config import scene_content
from twin_model.config.context import LoadContext
from twin_model.config.model import Provider, SceneAssets

FOLDER = "scene_assets"
SCENE_FILES = {Provider.AWS: "scene.json", Provider.AZURE: "3DScenesConfiguration.json"}
SCENE_ID = "main-scene"
MAX_SCENE_JSON_BYTES = 10 * 1024 * 1024


def scene(ctx: LoadContext, needs_3d_model: bool) -> SceneAssets | None:
    l4 = ctx.l4()
    present = ctx.files.entry(FOLDER)
    has_folder = present is not None and present.kind == "folder"
    if not needs_3d_model:
        if has_folder:
            ctx.warn(FOLDER, (), "not read: needs3DModel is not true in config_optimization.json")
        return None
    if l4 not in SCENE_FILES:
        ctx.warn(FOLDER if has_folder else "config_optimization.json", (), "not used: needs3DModel asks for a 3D scene "
                 "of the twin model, and layer_4_provider is none")
        return None
    cloud_folder = f"{FOLDER}/{l4.value}"
    config_name = SCENE_FILES[l4]
    relative = f"{cloud_folder}/{config_name}"
    entry = ctx.files.entry(relative)
    if entry is None:
        return None
    if entry.kind != "file":
        ctx.problems.add("config_optimization.json", f"{ctx.flags_path}.needs3DModel",
                         f"the scene of layer 4's cloud: {relative} (needs3DModel deploys it)")
        return None
    document = ctx.document(relative, required=True, limit=MAX_SCENE_JSON_BYTES)
    if document is None:
        return None
    if not isinstance(document, dict):
        ctx.add(relative, (), "a JSON object (the scene definition)")
        return None
    if l4 is Provider.AWS and not isinstance(document.get("nodes"), list):
        ctx.add(relative, ("nodes",), "an array of scene nodes (an IoT TwinMaker scene: specVersion, nodes, ...)")
        return None
    code = ctx.files.tree(cloud_folder)
    if code is None:
        return None
    files = tuple((name, path) for name, path in code if name != config_name)
    before = len(ctx.problems)
    sources = scene_content.allowed_sources(ctx, l4)
    check = scene_content.check_twinmaker_scene if l4 is Provider.AWS else scene_content.check_studio_configuration
    check(ctx, relative, document, {name for name, _ in files}, sources)
    if len(ctx.problems) > before:
        return None
    return SceneAssets(l4, config_name, document, files)


def model_file(uri: object) -> str | None:
    """The file a ModelRef names, relative to the scene's folder (`s3://<any bucket>/scene_assets/x.glb`,
    `scene_assets/x.glb` or `x.glb` all name `x.glb`)."""
    if not isinstance(uri, str) or not uri:
        return None
    path = uri.split("://", 1)[1].split("/", 1)[1] if uri.startswith("s3://") and "/" in uri[5:] else uri
    parts = PurePosixPath(path).parts
    if parts and parts[0] == FOLDER:
        parts = parts[1:]
    if parts and parts[0] == "aws":
        parts = parts[1:]
    return "/".join(parts) or None

