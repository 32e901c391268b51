"""The output reader (twin_ops/local/output.py) stops on what the stacks never synthesize (a nested
stack, a Lambda layer) with an OutputError, instead of running a function without part of it."""

from __future__ import annotations

import json

import pytest

from twin_ops.local.output import OutputError, SynthOutput

KEY = "0" * 64 + ".zip"


def _write(directory, name, document) -> None:
    (directory / name).write_text(json.dumps(document), "utf-8")


def test_a_nested_stack_template_stops_the_reader(tmp_path):
    _write(tmp_path, "twin-l1.template.json", {"Resources": {}})
    _write(tmp_path, "twinl1Child0A1B2C3D.nested.template.json", {"Resources": {}})
    with pytest.raises(OutputError, match="nested"):
        SynthOutput(tmp_path, None, tmp_path / "unpacked")


@pytest.mark.parametrize("layers", [None, [{"Ref": "SharedLayer"}]])
def test_a_function_with_a_lambda_layer_stops_the_reader(tmp_path, layers):
    properties = {"Code": {"S3Bucket": "b", "S3Key": KEY}, "Handler": "probe.handler", "Runtime": "python3.13"}
    _write(tmp_path, "twin-l1.template.json", {"Resources": {"Probe": {
        "Type": "AWS::Lambda::Function", "Properties": {**properties, **({"Layers": layers} if layers else {})}}}})
    _write(tmp_path, "twin-l1.assets.json", {"files": {"probe": {
        "source": {"path": "asset.probe"}, "destinations": {"current": {"objectKey": KEY}}}}})
    output = SynthOutput(tmp_path, None, tmp_path / "unpacked")
    if layers is None:  # the same function without a layer is read, its code the asset's directory
        (function,) = output.functions
        assert function.code == tmp_path / "asset.probe" and function.entry == "probe.handler"
    else:
        with pytest.raises(OutputError, match="layers"):
            _ = output.functions
