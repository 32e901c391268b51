"""`make local` on every matrix project: the synthesized twin carries every record end to end.

Each run uses the session's synth of the project (the same output the boot matrix starts) and
the real local servers (the MQTT broker, moto, Azurite, the storage emulator). Expectations are written
here from the examples' sample payloads and rules, never taken from the runner.
"""

from __future__ import annotations

import json
import shutil

import pytest

from twin_model.config.model import Layer
from twin_model.topology import BridgeKind
from tests.runs.attacks import Attacks
from tests.runs.conftest import PROJECTS
from twin_ops.local.output import SynthOutput
from twin_ops.local.runner import LocalRunRequest, render, run_local

pytestmark = pytest.mark.runs

MESSAGES = 4  # per device, cycling its sample payloads (iot_device_simulator/payloads.json)
DEVICES = 4
PUBLISHED = DEVICES * MESSAGES
# press-01 alternates 172.4 °F (78 °C after its processor) and 190.5 °F (88 °C: above the 80 °C
# rule, whose action runs one function and sends feedback to press-01); air-quality-01
# alternates 950 and 1350 ppm (above 1200: the workflow rule, whose workflow runs two actions).
FIRED = MESSAGES // 2 + MESSAGES // 2
ACTIONS = MESSAGES // 2 * 1 + MESSAGES // 2 * 2
FEEDBACK = MESSAGES // 2
RECORD_HOPS = {"ingested": Layer.L1, "processed": Layer.L2, "stored hot": Layer.L3_HOT, "moved to cold": Layer.L3_COLD,
               "archived": Layer.L3_ARCHIVE}
MODEL_ONLY_TWINS = 4  # regression_adt_only's twins.json: room-a, chiller-1, chiller-2, door-sensor
# Read back through L4 and L5 where the project places them (layer_4/5_provider may be "none").
READ_HOPS = {Layer.L4: "readable through the twin", Layer.L5: "shown on the dashboards"}


def run(synth, tmp_path, **options):
    request = LocalRunRequest(
        synth.config.root, messages=MESSAGES, synthesized=(synth.outdir, synth.tf_outdir), workdir=tmp_path,
        timeout=120, echo=lambda line: None, mosquitto=False, keep_servers=True, **options,  # the broker `make install` brings
    )
    return run_local(request)


# The predecessor's template topology carries every kind of data-carrying bridge (google → azure →
# aws → google → azure, and feedback azure → google; the persister's twin updates stay on Azure):
# its run has each of these receivers answer 503 for two seconds once its traffic starts (then
# recover), and must still lose and duplicate nothing.
OUTAGES = {"mx-template": 2.0}
OUTAGE_RECEIVERS = 5  # L1 → L2, L2 → hot, L2 → L1 feedback, hot → cold, cold → archive


@pytest.mark.parametrize("name", PROJECTS)
def test_every_record_is_stored_once_read_through_the_twin_and_carried_to_cold_and_archive(name, matrix_synth, tmp_path):
    synth = matrix_synth(name)
    if not PROJECTS[name].has_data_path:  # a twin model alone: nothing runs, the model must load
        result = run(synth, tmp_path)
        assert result.ok and [(row.name, row.count) for row in result.rows] == [("twins of the model loaded", MODEL_ONLY_TWINS)]
        return
    outage = OUTAGES.get(name, 0.0)
    attacks = Attacks()
    result = run(synth, tmp_path, outage=outage, during=attacks)
    report = render(result, f"{name} with receiver outages" if outage else name)
    # Every bridge receiver answered the hostile requests as the wire contract says, and the run
    # below counts none of them.
    assert {connection for connection, *_ in attacks.answers} == {bridge.connection_id for bridge in synth.topology.bridges
                                                                   if bridge.kind is not BridgeKind.HOT_TO_L5_DASHBOARD}, attacks.answers
    assert attacks.wrong() == [], attacks.wrong()
    counts = {row.name: row.count for row in result.rows}
    assert counts["published"] == PUBLISHED, report
    for hop, layer in RECORD_HOPS.items():
        if synth.topology.placed(layer):
            assert counts[hop] == PUBLISHED, report
        else:
            assert (counts[hop], result.row(hop).expected) == (0, None), report
    for layer, hop in READ_HOPS.items():
        if synth.topology.placed(layer):
            assert (counts[hop], result.row(hop).expected) == (PUBLISHED, PUBLISHED), report
        else:
            assert result.row(hop).expected is None, report  # reported as not there, not as a loss
    assert set(result.duplicates.values()) == {0}, report
    # Feedback reaches the devices on every placement: through L1's own device service, or the
    # L2 → L1 feedback connection when L2 runs on another cloud.
    assert (counts["events fired"], counts["actions run"], counts["feedback received"]) == (FIRED, ACTIONS, FEEDBACK), report
    if outage:
        assert result.counts["receiver outages"] == OUTAGE_RECEIVERS, report
        assert result.counts["receiver 503s"] > 0, report
    assert result.ok, report


FAULT = '''"""Injected by tests/runs/test_local_runs.py: the first invocation fails, every later one runs the real handler."""
import runtime.aws.processor as real

_failed = []


def handler(event, context):
    if not _failed:
        _failed.append(True)
        raise RuntimeError("injected fault: the processor's first invocation fails")
    return real.handler(event, context)
'''


def test_a_function_error_fails_the_run_even_when_its_retry_carries_every_record(matrix_synth, tmp_path):
    """The processor raises once; Lambda's async retry then carries the record, so every hop
    counts in full: the run must still fail, naming the function, its error and its retry."""
    synth = matrix_synth("factory-floor")
    cdk_out = tmp_path / "cdk.out"
    shutil.copytree(synth.outdir, cdk_out, ignore=shutil.ignore_patterns("cdktf.out"))
    output = SynthOutput(cdk_out, None, tmp_path / "unpacked")
    (processor,) = [f for f in output.functions if f.entry == "runtime.aws.processor.handler"]
    (processor.code / "dt_fault_injection.py").write_text(FAULT, "utf-8")
    template_file = output.cloudformation[processor.stack].path
    template = json.loads(template_file.read_text("utf-8"))
    template["Resources"][processor.resource_id]["Properties"]["Handler"] = "dt_fault_injection.handler"
    template_file.write_text(json.dumps(template), "utf-8")

    result = run_local(LocalRunRequest(synth.config.root, messages=1, synthesized=(cdk_out, synth.tf_outdir),
                                       workdir=tmp_path / "run", timeout=120, echo=lambda line: None, keep_servers=True))
    report = render(result, "factory-floor with a failing processor")
    counts = {row.name: row.count for row in result.rows}
    assert counts["stored hot"] == counts["published"] > 0, report  # the retry carried the record
    assert counts["function errors"] == 1 and counts["dead-lettered"] == 0, report
    assert not result.ok, report
    (where,) = [where for where, kinds in result.by_function.items() if kinds.get("errors")]
    assert where.startswith(f"{processor.label}:") and result.by_function[where]["retries"] >= 1, report
    assert any("injected fault" in failure for failure in result.failures), report
    assert "function errors: 1 of 0" in result.problems, report


def test_a_call_the_synthesized_role_does_not_allow_fails_the_run_naming_action_and_resource(matrix_synth, tmp_path):
    """The persister's role loses its DynamoDB write statement: its host refuses the write as IAM
    would (AccessDenied), and the run fails naming the action and the table's ARN."""
    synth = matrix_synth("factory-floor")
    cdk_out = tmp_path / "cdk.out"
    shutil.copytree(synth.outdir, cdk_out, ignore=shutil.ignore_patterns("cdktf.out"))
    output = SynthOutput(cdk_out, None, tmp_path / "unpacked")
    (persister,) = [f for f in output.functions if f.entry == "runtime.aws.persister.handler"]
    template_file = output.cloudformation[persister.stack].path
    template = json.loads(template_file.read_text("utf-8"))
    role = template["Resources"][persister.resource_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    (policy,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy" and {"Ref": role} in r["Properties"]["Roles"]]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    kept = [s for s in statements if "dynamodb:BatchWriteItem" not in s["Action"]]
    assert len(kept) == len(statements) - 1
    policy["Properties"]["PolicyDocument"]["Statement"] = kept
    template_file.write_text(json.dumps(template), "utf-8")

    result = run_local(LocalRunRequest(synth.config.root, messages=1, synthesized=(cdk_out, synth.tf_outdir),
                                       workdir=tmp_path / "run", timeout=60, echo=lambda line: None, keep_servers=True))
    report = render(result, "factory-floor without the persister's DynamoDB grant")
    assert not result.ok, report
    assert {row.name: row.count for row in result.rows}["stored hot"] == 0, report
    assert any("not authorized to perform: dynamodb:BatchWriteItem on resource: arn:aws:dynamodb:" in failure
               for failure in result.failures), report
    # The refusal is final (grants do not change during a run): the run stops waiting for records
    # that cannot come, instead of waiting out its timeout at every stage.
    assert result.ended_early == f"a refused grant ({persister.label}:IAM) fails the run", report


def test_a_call_the_synthesized_iam_bindings_do_not_allow_fails_the_run(matrix_synth, tmp_path):
    """Google: L2's account loses its Firestore binding (roles/datastore.user on the hot database):
    the persister's write is refused as Google refuses it (PERMISSION_DENIED) and the run fails
    naming the permission and the database."""
    synth = matrix_synth("factory-floor-gcp")
    tf_out = tmp_path / "cdktf.out"
    shutil.copytree(synth.tf_outdir, tf_out)
    stack_file = tf_out / "stacks" / f"{synth.topology.stack_name(Layer.L2)}" / "cdk.tf.json"
    stack = json.loads(stack_file.read_text("utf-8"))
    members = stack["resource"]["google_project_iam_member"]
    (name,) = [name for name, member in members.items() if member["role"] == "roles/datastore.user"]
    del members[name]
    stack_file.write_text(json.dumps(stack), "utf-8")

    result = run_local(LocalRunRequest(synth.config.root, messages=1, synthesized=(synth.outdir, tf_out),
                                       workdir=tmp_path / "run", timeout=60, echo=lambda line: None, keep_servers=True))
    report = render(result, "factory-floor-gcp without L2's Firestore binding")
    assert not result.ok, report
    assert {row.name: row.count for row in result.rows}["stored hot"] == 0, report
    assert any("Permission 'datastore.entities.update' denied on resource 'projects/" in failure and "/databases/" in failure
               for failure in result.failures), report
    assert result.ended_early.startswith("a refused grant (Google IAM"), report
