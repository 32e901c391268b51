"""Issue #28: a 3D scene loads assets only from the project or the twin's own storage (or a source
the project lists explicitly), links are https, text holds no markup.

The fields come from the formats' own definitions: the IoT TwinMaker scene model of
awslabs/iot-app-kit (scene-composer SceneModels.ts: ModelRef.uri, Tag.navLink.destination,
DataOverlay Markdown rows, node names, rule expressions) and the 3D Scenes Studio schema of
microsoft/iot-cardboard-js v1.0.0 (scenes[].assets[].url, Link widgets' linkExpression,
displayName, title, label, ...). Each case breaks one field of the predecessor's scenes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from twin_model.config import ProjectConfigError, load_project
from tests.compat.conftest import FIXTURES, PROVIDER_KEYS

AWS_SCENE = "scene_assets/aws/scene.json"
AZURE_SCENE = "scene_assets/azure/3DScenesConfiguration.json"
SOURCES = "scene_assets/allowed_sources.json"
ON_AZURE = {"layer_4_provider": "azure", "layer_5_provider": "azure"}


@pytest.fixture
def project(tmp_path) -> Path:
    return Path(shutil.copytree(FIXTURES / "predecessor_h", tmp_path / "h"))


def place(project: Path, **layers: str) -> None:
    (project / "config_providers.json").write_text(json.dumps({**dict.fromkeys(PROVIDER_KEYS, "aws"), **layers}))


def edit(project: Path, name: str, change: Callable[[Any], None]) -> None:
    document = json.loads((project / name).read_text())
    change(document)
    (project / name).write_text(json.dumps(document))


def problems(project: Path) -> list[tuple[str, str, str]]:
    with pytest.raises(ProjectConfigError) as info:
        load_project(project)
    return [(p.file, p.path, p.expected) for p in info.value.problems]


def studio_with_link(link: str) -> Callable[[Any], None]:
    def change(document: Any) -> None:
        document["configuration"]["behaviors"] = [{
            "id": "b1", "displayName": "Temperature", "datasources": [], "visuals": [{
                "type": "Popover", "title": "Sensor", "objectIDs": {"expression": "meshes"},
                "widgets": [{"type": "Link", "id": "w1", "widgetConfiguration": {"label": "Manual", "linkExpression": link}}]}]}]
    return change


def tag_link(destination: str) -> Callable[[Any], None]:
    return lambda scene: scene["nodes"][1]["components"][0].update(navLink={"destination": destination})


def overlay(content: str) -> Callable[[Any], None]:
    return lambda scene: scene["nodes"][1]["components"].append(
        {"type": "DataOverlay", "subType": "OverlayPanel", "valueDataBindings": [],
         "dataRows": [{"rowType": "Markdown", "content": content}]})


def model(uri: str) -> Callable[[Any], None]:
    return lambda scene: scene["nodes"][0]["components"][0].update(uri=uri)


def asset(url: str) -> Callable[[Any], None]:
    return lambda document: document["configuration"]["scenes"][0]["assets"][0].update(url=url)


M = "$.nodes[0].components[0].uri"
A = "$.configuration.scenes[0].assets[0].url"
W = "$.configuration.behaviors[0].visuals[0].widgets[0].widgetConfiguration.linkExpression"

TWINMAKER = [  # (id, change, JSON path, fragment)
    ("model-in-another-bucket", model("s3://someone-elses-bucket/models/x.glb"), M, "points elsewhere"),
    ("model-on-a-web-host", model("https://models.example.com/x.glb"), M, "points elsewhere"),
    ("model-javascript", model("javascript:alert(1)"), M, "points elsewhere"),
    ("model-data", model("data:model/gltf-binary;base64,Z2xURg=="), M, "points elsewhere"),
    ("texture-in-another-bucket", lambda s: s["properties"].update(sceneBackgroundSettings={"textureUri": "s3://other/sky.png"}),
     "$.properties.sceneBackgroundSettings.textureUri", "a file of the project"),
    ("tag-link-javascript", tag_link("javascript:fetch('//evil')"), "$.nodes[1].components[0].navLink.destination",
     "no javascript: URL"),
    ("tag-link-http", tag_link("http://example.com/manual"), "$.nodes[1].components[0].navLink.destination", "no http: URL"),
    ("node-name-script", lambda s: s["nodes"][1].update(name="<script>alert(1)</script>"), "$.nodes[1].name", "without markup"),
    ("node-name-img", lambda s: s["nodes"][1].update(name='<img src=x onerror="alert(1)">'), "$.nodes[1].name", "without markup"),
    ("overlay-html", overlay("**Temp** <iframe src=//evil>"), "$.nodes[1].components[1].dataRows[0].content", "without markup"),
    ("overlay-markdown-javascript-link", overlay("[manual](javascript:alert(1))"),
     "$.nodes[1].components[1].dataRows[0].content", "Markdown links to https: only"),
    ("overlay-markdown-data-link", overlay("[x]( data:text/html;base64,PHNjcmlwdD4=)"),
     "$.nodes[1].components[1].dataRows[0].content", "Markdown links to https: only"),
    ("markup-in-a-key", lambda s: s["properties"].update({"<svg onload=alert(1)>": 1}),
     '$.properties["<svg onload=alert(1)>"]', "without markup"),
]

STUDIO = [
    ("asset-javascript", asset("javascript:alert(1)"), A, "the twin's own blob container"),
    ("asset-data", asset("data:model/gltf-binary;base64,Z2xURg=="), A, "the twin's own blob container"),
    ("asset-http", asset("http://models.example.com/plant.glb"), A, "the twin's own blob container"),
    ("asset-foreign-host", asset("https://models.example.com/plant.glb"), A, "the twin's own blob container"),
    ("asset-own-storage-missing-file", asset("{{STORAGE_URL}}/other.glb"), A, "the twin's own blob container"),
    ("asset-own-storage-escapes", asset("{{STORAGE_URL}}/../other-container/plant.glb"), A, "the twin's own blob container"),
    ("display-name-script", lambda d: d["configuration"]["scenes"][0].update(displayName="<script>alert(1)</script>"),
     "$.configuration.scenes[0].displayName", "without markup"),
    ("element-name-img", lambda d: d["configuration"]["scenes"][0]["elements"][0].update(displayName="<img src=x onerror=alert(1)>"),
     "$.configuration.scenes[0].elements[0].displayName", "without markup"),
    ("description-comment", lambda d: d["configuration"]["scenes"][0].update(description="<!-- x --><b>bold</b>"),
     "$.configuration.scenes[0].description", "without markup"),
    ("link-javascript", studio_with_link("javascript:alert(document.cookie)"), W, "no javascript: URL"),
    ("link-http", studio_with_link("http://intranet.example.com/${PrimaryTwin.$dtId}"), W, "no http: URL"),
    ("link-data", studio_with_link("`data:text/html,hello`"), W, "no data: URL"),
    ("layer-name-markup", lambda d: d["configuration"]["layers"].append({"id": "l", "displayName": "<a href=x>", "behaviorIDs": []}),
     "$.configuration.layers[0].displayName", "without markup"),
]


@pytest.mark.parametrize("change, path, fragment", [c[1:] for c in TWINMAKER], ids=[c[0] for c in TWINMAKER])
def test_a_twinmaker_scene_with_a_foreign_or_unsafe_field_is_refused(project, change, path, fragment):
    place(project)
    edit(project, AWS_SCENE, change)
    ((file, found, expected),) = problems(project)
    assert (file, found) == (AWS_SCENE, path)
    assert fragment in expected, expected


@pytest.mark.parametrize("change, path, fragment", [c[1:] for c in STUDIO], ids=[c[0] for c in STUDIO])
def test_a_studio_configuration_with_a_foreign_or_unsafe_field_is_refused(project, change, path, fragment):
    place(project, **ON_AZURE)
    edit(project, AZURE_SCENE, change)
    ((file, found, expected),) = problems(project)
    assert (file, found) == (AZURE_SCENE, path)
    assert fragment in expected, expected


def test_the_predecessors_scenes_load_as_they_are(project):
    place(project)
    assert load_project(project).scene.document["nodes"][0]["components"][0]["uri"].endswith("plant.glb")
    place(project, **ON_AZURE)
    assert load_project(project).scene.config_name == "3DScenesConfiguration.json"


def test_what_the_formats_allow_is_kept(project):
    """https links, comparisons in expressions, `data:` as a word in a label, Markdown links to https."""
    place(project)
    edit(project, AWS_SCENE, tag_link("https://wiki.example.com/press"))
    edit(project, AWS_SCENE, overlay("Pressure data: ${pressure} bar, [manual](https://wiki.example.com/m)"))
    edit(project, AWS_SCENE, lambda s: s.update(rules={"r": {"statements": [{"expression": "temperature<limit", "target": "x"}]}}))
    assert load_project(project).scene is not None
    place(project, **ON_AZURE)
    edit(project, AZURE_SCENE, studio_with_link("https://wiki.example.com/${PrimaryTwin.$dtId}"))
    assert load_project(project).scene is not None


@pytest.mark.parametrize("cloud, change, source", [
    ("aws", model("s3://shared-models/plant-v2.glb"), "s3://shared-models/"),
    ("aws", model("https://cdn.example.com/models/plant.glb"), "https://cdn.example.com/models/"),
    ("azure", asset("https://cdn.example.com/models/plant.glb"), "https://cdn.example.com/models/"),
], ids=["twinmaker-bucket", "twinmaker-https", "studio-https"])
def test_a_source_the_project_lists_is_allowed_and_only_that(project, cloud, change, source):
    place(project, **({} if cloud == "aws" else ON_AZURE))
    scene = AWS_SCENE if cloud == "aws" else AZURE_SCENE
    edit(project, scene, change)
    assert problems(project)
    (project / SOURCES).write_text(json.dumps({"allowedSources": [source]}))
    assert load_project(project).scene is not None
    (project / SOURCES).write_text(json.dumps({"allowedSources": [source.rstrip("/") + "-other/"]}))
    assert problems(project)


@pytest.mark.parametrize("sources, fragment", [
    ({"allowedSources": ["http://cdn.example.com/"]}, "an https://host/folder/"),
    ({"allowedSources": ["https://cdn.example.com"]}, "ending in /"),
    ({"allowedSources": ["javascript:alert(1)//"]}, "an https://host/folder/"),
    ({"allowedSources": "https://cdn.example.com/"}, '{"allowedSources": [...]}'),
    ({"allowedSources": [], "extra": 1}, "extra"),
], ids=["http", "no-folder", "javascript", "not-a-list", "unknown-key"])
def test_the_list_of_sources_is_checked(project, sources, fragment):
    place(project, **ON_AZURE)
    (project / SOURCES).write_text(json.dumps(sources))
    found = problems(project)
    assert found[0][0] == SOURCES and any(fragment in expected or fragment in path for _, path, expected in found), found


def test_a_studio_asset_escaping_the_container_through_its_allowed_source_is_refused(project):
    place(project, **ON_AZURE)
    (project / SOURCES).write_text(json.dumps({"allowedSources": ["https://cdn.example.com/models/"]}))
    edit(project, AZURE_SCENE, asset("https://cdn.example.com/models/../private/plant.glb"))
    assert problems(project)[0][1] == A
