"""Real-world DTDL nobody here wrote (tests/fixtures/realworld, MIT; provenance in its README):
RealEstateCore 3.3 and the Azure Digital Twins sample app's building scenario, and a project with
layer 4 on Azure whose DTDL bundle holds both."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import REPO

REALWORLD = Path(__file__).resolve().parent / "fixtures" / "realworld"
AZURE_EXAMPLE = REPO / "examples" / "factory-floor-azure"
DTDL = "twin_hierarchy/azure_hierarchy.json"
ROOM_COMPONENTS = ("area", "capacity", "occupancy", "temperature", "humidity", "CO2")


def rec_models() -> list[dict]:
    return json.loads((REALWORLD / "rec-3.3.json").read_text(encoding="utf-8"))


def building_scenario() -> dict:
    """The sample app's scenario as a bundle: the models it uploads, its twins and relationships."""
    scenario = json.loads((REALWORLD / "adt-sample-app" / "building-scenario.json").read_text(encoding="utf-8"))
    files = {"ThermostatModel": "ThermostatModel.json", "SpaceModel": "SpaceModel.json"}
    models = [json.loads((REALWORLD / "adt-sample-app" / "Models" / files[name]).read_text(encoding="utf-8"))
              for name in scenario["uploads"]]
    return {"models": models, "twins": scenario["twins"], "relationships": scenario["relationships"]}


def rec_twins() -> dict:
    """A building, a level and a room of RealEstateCore, as an ADT user creates them: every component
    initialised, values of the schemas' types (Map, integer, double, string), parts linked."""
    space = {name: {"$metadata": {}} for name in ROOM_COMPONENTS}
    return {
        "twins": [
            {"$dtId": "hq", "$metadata": {"$model": "dtmi:digitaltwins:rec_3_3:core:Building;1"}, "name": "Head office",
             **space, "address": {"$metadata": {}, "city": "Linz", "country": "AT"}},
            {"$dtId": "hq-l1", "$metadata": {"$model": "dtmi:digitaltwins:rec_3_3:core:Level;1"}, "levelNumber": 1,
             **space},
            {"$dtId": "hq-r101", "$metadata": {"$model": "dtmi:digitaltwins:rec_3_3:core:Room;1"}, "name": "Room 101",
             "personCapacity": 12, "customTags": {"bookable": True}, "externalIds": {"facility": "R-101"},
             **space, "area": {"$metadata": {}, "grossArea": 31.5}},
        ],
        "relationships": [
            {"$dtId": "hq-l1", "$relationshipId": "l1-in-hq", "$targetId": "hq", "$relationshipName": "isPartOf"},
            {"$dtId": "hq-r101", "$relationshipId": "r101-in-l1", "$targetId": "hq-l1", "$relationshipName": "isPartOf"},
        ],
    }


def realworld_bundle() -> dict:
    scenario, rec = building_scenario(), rec_twins()
    return {"models": rec_models() + scenario["models"], "twins": rec["twins"] + scenario["twins"],
            "relationships": rec["relationships"] + scenario["relationships"]}


def write_realworld_project(target: Path, bundle: dict | None = None) -> Path:
    """The Azure example with its hierarchy given as this DTDL (devices keep generated twins)."""
    shutil.copytree(AZURE_EXAMPLE, target)
    (target / "config_hierarchy.json").unlink()
    (target / "twin_hierarchy").mkdir()
    (target / DTDL).write_text(json.dumps(bundle if bundle is not None else realworld_bundle()), encoding="utf-8")
    return target
