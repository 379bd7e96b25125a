from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.diagnostics import KftestError, UsageError
from compiler.operate.sources import Target, classify, parse, read_file

from .builders import failed_dag

# The seed README's excerpt: kubectl get wf -o yaml, timestamps unquoted.
SEED_YAML = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: kubeflow-presubmit-kfctl-1810-70210d5-3900-218a
  namespace: kubeflow-test-infra
status:
  phase: Failed
  startedAt: 2018-10-17T05:02:11Z
  nodes:
    kubeflow-presubmit-kfctl-1810-70210d5-3900-218a-2243590372:
      boundaryID: kubeflow-presubmit-kfctl-1810-70210d5-3900-218a
      displayName: kfctl-apply-gcp
      finishedAt: 2018-10-17T05:07:58Z
      id: kubeflow-presubmit-kfctl-1810-70210d5-3900-218a-2243590372
      message: failed with exit code 1
      name: kubeflow-presubmit-kfctl-1810-70210d5-3900-218a.kfctl-apply-gcp
      phase: Failed
      startedAt: 2018-10-17T05:04:20Z
      templateName: kfctl-apply-gcp
      type: Pod
"""


def test_classify(tmp_path: Path) -> None:
    saved = tmp_path / "wf.yaml"
    saved.write_text(SEED_YAML)
    assert classify("gs://b/p/wf.yaml") == Target("gcs", "gs://b/p/wf.yaml")
    assert classify(str(saved)) == Target("file", str(saved))
    assert classify("kubeflow-presubmit-x-1") == Target("name", "kubeflow-presubmit-x-1")
    with pytest.raises(UsageError, match="no such file"):
        classify(str(tmp_path / "missing.yaml"))
    with pytest.raises(UsageError, match="neither a workflow name"):
        classify("Not_A_Name")


def test_seed_yaml_timestamps_come_back_as_strings(tmp_path: Path) -> None:
    saved = tmp_path / "wf.yaml"
    saved.write_text(SEED_YAML)
    [workflow] = read_file(str(saved))
    node = next(iter(workflow["status"]["nodes"].values()))
    assert node["startedAt"] == "2018-10-17T05:04:20Z"


def test_documents_lists_and_json() -> None:
    one, two = failed_dag("wf-one"), failed_dag("wf-two")
    stream = f"{json.dumps(one)}\n---\n{json.dumps(two)}\n"
    assert [w["metadata"]["name"] for w in parse(stream, "s.yaml")] == ["wf-one", "wf-two"]
    listing = json.dumps({"apiVersion": "v1", "kind": "List", "items": [one, two]})
    assert len(parse(listing, "l.json")) == 2


def test_bad_input_names_the_file_and_line() -> None:
    with pytest.raises(KftestError, match=r"^wf\.yaml:3:\d+: not valid YAML: mapping values"):
        parse("kind: Workflow\nmetadata:\n  labels: a: b\n", "wf.yaml")
    with pytest.raises(KftestError, match="document 1 is a ConfigMap, not an Argo Workflow"):
        parse("kind: ConfigMap\nmetadata: {name: x}\n", "cm.yaml")
    with pytest.raises(KftestError, match="no Argo Workflow"):
        parse("", "empty.yaml")
    # A regression: nesting deeper than Python recurses (here: 700 levels) made a traceback.
    with pytest.raises(UsageError, match=r"^deep\.yaml: not valid YAML: nested too deep$"):
        parse("a: " + "[" * 700 + "]" * 700 + "\n", "deep.yaml")
