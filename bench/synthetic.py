"""A synthetic repository of N prow_config.yaml entries, each a realistic 10-step DAG component.

Two styles of component, both what users write:

- ``lib``: written with kftest's ``lib/kftest.libsonnet`` (``import 'kftest.libsonnet'``);
- ``inline``: the seed era's copy-pasted helpers (``workflows/helpers.libsonnet``: parseEnv,
  listOfDictToMap, toBool, a template builder), which needs nothing from kftest.

Every component is its own file with its own step names and commands (jsonnet caches nothing
across evaluations, so N distinct files is the honest case), formats strings with ``%`` and
``std.format``, maps over shards and reads the Prow variables from ``prow_env``.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

STEP_IMAGE = "gcr.io/kubeflow-ci/test-worker-py3:v20240612-7c5ac2a"
STYLES = ("lib", "inline")


@dataclass(frozen=True)
class SyntheticEntry:
    name: str
    component: str  # repo-relative file
    params: dict[str, object]


LIB_COMPONENT = """\
// Synthetic component {index}: build, {shards} test shards, deploy, e2e (10 steps + checkout).
local kftest = import 'kftest.libsonnet';

function(params)
  local wf = kftest.workflow(params, 'suite-{index}', pythonPath=['{owner}/{repo}/py']);
  local shards = std.range(0, {last_shard});
  local junit(step) = '%s/junit_%s.xml' % [wf.dirs.artifacts, step];
  local verbose = if std.isBoolean(params.verbose) then params.verbose
                  else std.asciiLower(std.toString(params.verbose)) == 'true';
  wf.dag([
    wf.step('build', kftest.sh([
      'make -C components/c{index} build',
      std.format('docker build -t %s/c{index}:%s .', [params.registry, wf.prow.PULL_PULL_SHA]),
    ]), deadline=2400),
  ] + [
    wf.step(
      'unit-%d' % shard,
      ['pytest', 'tests/c{index}/shard_%02d' % shard, '--junitxml=' + junit('unit-%d' % shard)]
      + (if verbose then ['-v'] else []),
      deps=['build'],
      env={ SHARD: shard, TEST_TARGET_NAME: 'c{index}-unit-%d' % shard },
    )
    for shard in shards
  ] + [
    wf.step('deploy', kftest.sh([
      'kubectl create namespace c{index}-' + wf.prow.BUILD_NUMBER,
      'kustomize build manifests/c{index} | kubectl apply -f -',
    ]), deps=['unit-%d' % shard for shard in shards], deadline=3000),
    wf.step('e2e-test', ['pytest', 'e2e/c{index}', '--junitxml=' + junit('e2e-test')],
            deps=['deploy']),
  ])
"""

INLINE_HELPERS = """\
// The seed era's helpers, as repositories copy-pasted them (seed-system.md section 6.1).
{
  parseEnv(v):: if v == '' then [] else [
    { name: std.split(kv, '=')[0], value: std.split(kv, '=')[1] }
    for kv in std.split(v, ',')
  ],
  listOfDictToMap(list):: { [i.name]: i.value for i in list },
  toBool(x):: if std.type(x) == 'boolean' then x
              else if std.type(x) == 'string' then std.asciiLower(x) == 'true'
              else x != 0,
  prowDict(params):: {
    BUILD_ID: 'notset', BUILD_NUMBER: 'notset', REPO_OWNER: 'notset', REPO_NAME: 'notset',
    JOB_NAME: 'notset', JOB_TYPE: 'notset', PULL_NUMBER: 'notset', PULL_PULL_SHA: 'notset',
  } + self.listOfDictToMap(self.parseEnv(params.prow_env)),
  buildCommand(cmds):: ['/bin/sh', '-xc', std.join(' && ', [std.join(' ', c) for c in cmds])],
  workflow(params, label, steps):: {
    local name = params.name,
    local mount = '/mnt/test-data-volume',
    local testDir = mount + '/' + name,
    local outputDir = testDir + '/outputs',
    local artifactsDir = outputDir + '/artifacts',
    local prow = $.prowDict(params),
    local srcRootDir = testDir + '/src',
    local srcDir = srcRootDir + '/' + prow.REPO_OWNER + '/' + prow.REPO_NAME,
    local labels = {
      org: prow.REPO_OWNER, repo: prow.REPO_NAME, workflow: label,
      [if prow.JOB_TYPE == 'presubmit' then 'pr']: prow.PULL_NUMBER,
    },
    local env = [
      { name: 'PYTHONPATH',
        value: std.join(':', [srcDir + '/py', srcRootDir + '/kubeflow/testing/py']) },
      { name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/secret/gcp-credentials/key.json' },
      { name: 'ARTIFACTS_DIR', value: artifactsDir },
    ] + $.parseEnv(params.prow_env),
    local mounts = [
      { name: 'kubeflow-test-volume', mountPath: mount },
      { name: 'gcp-credentials', mountPath: '/secret/gcp-credentials', readOnly: true },
    ],
    local template(s) = {
      name: s.name,
      activeDeadlineSeconds: if std.objectHas(s, 'deadline') then s.deadline else 1800,
      container: {
        image: params.stepImage,
        command: $.buildCommand(s.commands),
        workingDir: srcDir,
        env: env + [{ name: k, value: std.toString(s.env[k]) } for k in std.objectFields(s.env)],
        volumeMounts: mounts,
      },
    },
    local checkout = {
      name: 'checkout', env: { EXTRA_REPOS: 'kubeflow/testing@HEAD' },
      commands: [['mkdir', '-p', artifactsDir], ['/usr/local/bin/checkout.sh', srcRootDir]],
    },
    local exit = {
      name: 'copy-artifacts', env: {},
      commands: [['python', '-m', 'kubeflow.testing.prow_artifacts', '--artifacts_dir=' + outputDir,
                  'copy_artifacts', '--bucket=' + params.bucket]],
    },
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name: name, namespace: params.namespace, labels: labels },
    spec: {
      entrypoint: 'e2e',
      onExit: 'exit-handler',
      ttlStrategy: { secondsAfterCompletion: 604800 },
      volumes: [
        { name: 'kubeflow-test-volume', persistentVolumeClaim: { claimName: 'nfs-external' } },
        { name: 'gcp-credentials', secret: { secretName: 'kubeflow-testing-credentials' } },
      ],
      templates: [
        {
          name: 'e2e',
          dag: { tasks: [{ name: 'checkout', template: 'checkout' }] + [
            { name: s.name, template: s.name,
              dependencies: if std.objectHas(s, 'deps') then s.deps else ['checkout'] }
            for s in steps
          ] },
        },
        { name: 'exit-handler', steps: [[{ name: 'copy-artifacts', template: 'copy-artifacts' }]] },
      ] + [template(s) for s in [checkout] + steps + [exit]],
    },
  },
}
"""

INLINE_COMPONENT = """\
// Synthetic component {index}: build, {shards} test shards, deploy, e2e (10 steps + checkout).
local h = import 'helpers.libsonnet';

function(params)
  local prow = h.prowDict(params);
  local shards = std.range(0, {last_shard});
  local artifacts = '/mnt/test-data-volume/' + params.name + '/outputs/artifacts';
  local junit(step) = '%s/junit_%s.xml' % [artifacts, step];
  h.workflow(params, 'suite-{index}', [
    {
      name: 'build', deadline: 2400, env: {}, deps: ['checkout'],
      commands: [['make', '-C', 'components/c{index}', 'build'],
                 ['docker', 'build', '-t',
                  std.format('%s/c{index}:%s', [params.registry, prow.PULL_PULL_SHA]), '.']],
    },
  ] + [
    {
      name: 'unit-%d' % shard, deps: ['build'],
      env: { SHARD: shard, TEST_TARGET_NAME: 'c{index}-unit-%d' % shard },
      commands: [['pytest', 'tests/c{index}/shard_%02d' % shard,
                  '--junitxml=' + junit('unit-%d' % shard)]
                 + (if h.toBool(params.verbose) then ['-v'] else [])],
    }
    for shard in shards
  ] + [
    {
      name: 'deploy', deadline: 3000, env: {}, deps: ['unit-%d' % shard for shard in shards],
      commands: [['kubectl', 'create', 'namespace', 'c{index}-' + prow.BUILD_NUMBER],
                 ['kustomize', 'build', 'manifests/c{index}']],
    },
    {
      name: 'e2e-test', env: {}, deps: ['deploy'],
      commands: [['pytest', 'e2e/c{index}', '--junitxml=' + junit('e2e-test')]],
    },
  ])
"""


def generate(root: Path, entries: int, style: str = "lib") -> list[SyntheticEntry]:
    """Write the repository at ``root`` (created) and return its entries."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}")
    workflows = root / "workflows"
    workflows.mkdir(parents=True)
    template = LIB_COMPONENT if style == "lib" else INLINE_COMPONENT
    if style == "inline":
        (workflows / "helpers.libsonnet").write_text(INLINE_HELPERS)
    result = []
    config = [
        "# Synthetic: generated by bench/synthetic.py.",
        "workflows:",
    ]
    for index in range(entries):
        name = f"suite-{index:04d}"
        component = f"c{index:04d}"
        text = _fill(
            template,
            index=f"{index:04d}",
            shards="7",
            last_shard="6",
            owner="kubeflow",
            repo="synthetic",
        )
        (workflows / f"{component}.jsonnet").write_text(text)
        params: dict[str, object] = {
            "stepImage": STEP_IMAGE,
            "registry": "gcr.io/kubeflow-ci",
            "verbose": index % 2 == 0,
        }
        config += textwrap.dedent(
            f"""\
              - name: {name}
                app_dir: workflows
                component: {component}
                job_types: [presubmit]
                params:
                  stepImage: {STEP_IMAGE}
                  registry: gcr.io/kubeflow-ci
                  verbose: {"true" if params["verbose"] else "false"}
            """
        ).splitlines()
        result.append(SyntheticEntry(name, f"workflows/{component}.jsonnet", params))
    (root / "prow_config.yaml").write_text("\n".join(config) + "\n")
    return result


def _fill(template: str, **values: str) -> str:
    # Not str.format: jsonnet is full of braces.
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template
