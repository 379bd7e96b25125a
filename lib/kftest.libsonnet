// kftest.libsonnet: build an Argo Workflow that follows the test-infra guidelines.
//
//   local kftest = import 'kftest.libsonnet';
//   function(params)
//     local wf = kftest.workflow(params, 'unittests');
//     wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
//
// See lib/README.md for the parameters, the builder's fields and a compiled example. Every
// workflow built here passes `kftest lint` (tests/lib/ proves it); keep it that way.

local defaults = {
  namespace: 'kubeflow-test-infra',
  bucket: 'kubernetes-jenkins',
  prow_env: '',
  nfsClaim: 'nfs-external',
  nfsMount: '/mnt/test-data-volume',
  extraRepos: 'kubeflow/testing@HEAD',
  stepDeadline: 1800,
  ttlSeconds: 604800,
  gcpCredentialsSecret: 'kubeflow-testing-credentials',
  githubTokenSecret: 'github-token',
};

// The Prow variables the seed's components labelled with, "notset" when Prow did not set them.
local prowDefaults = {
  BUILD_ID: 'notset',
  BUILD_NUMBER: 'notset',
  JOB_NAME: 'notset',
  JOB_TYPE: 'notset',
  PULL_NUMBER: 'notset',
  REPO_NAME: 'notset',
  REPO_OWNER: 'notset',
};

// Step and template names kftest uses itself.
local reserved = ['e2e', 'exit-handler', 'checkout', 'copy-artifacts', 'test-dir-delete'];

// ksonnet's `ks param set` passed every value as a string: accept "1800" as well as 1800.
local toInt(value) = if std.isNumber(value) then value else std.parseInt(std.toString(value));

// The Argo release targeted (kftest passes argoVersion, X.Y): ttlStrategy exists from 2.7 on;
// before it, only ttlSecondsAfterFinished (removed in 3.0).
local argoBefore(p, major, minor) =
  local version = if std.objectHas(p, 'argoVersion') then p.argoVersion else '4.1';
  local parts = std.split(std.toString(version), '.');
  local have = [std.parseInt(parts[0]), std.parseInt(parts[1])];
  have[0] < major || (have[0] == major && have[1] < minor);
local ttl(p) =
  if argoBefore(p, 2, 7) then { ttlSecondsAfterFinished: toInt(p.ttlSeconds) }
  else { ttlStrategy: { secondsAfterCompletion: toInt(p.ttlSeconds) } };

// prow_env is "K=V,K=V" (run_e2e_workflow.py's format; values never contain ',').
local parseProwEnv(text) =
  local pairs = if text == null || text == '' then [] else [
    std.splitLimit(item, '=', 1)
    for item in std.split(text, ',')
  ];
  { [pair[0]]: pair[1] for pair in pairs if std.length(pair) == 2 };

// A word for /bin/sh -c. (Not std.escapeStringBash: it goes through std.format, which costs
// more than the rest of a typical workflow together.)
local shellQuote(text) = "'" + std.strReplace(text, "'", "'\"'\"'") + "'";

// {NAME: 'value' | {valueFrom: ...} | null} -> an Argo env list, sorted by name; null drops.
local envList(env) = [
  if std.isObject(env[name]) then { name: name } + env[name]
  else { name: name, value: std.toString(env[name]) }
  for name in std.objectFields(env)
  if env[name] != null
];

{
  // The params the builder falls back to when prow_config.yaml does not set them.
  defaults:: defaults,

  // A shell command running `commands` one after the other, stopping at the first failure
  // (the seed's buildCommand joined them with ';', which ran on after a failure).
  sh(commands):: ['/bin/sh', '-xc', std.join(' && ', commands)],

  // The builder for one workflow. `params` are the component's params as kftest passes them
  // (name, namespace, prow_env, bucket, plus the entry's params from prow_config.yaml);
  // `workflow` is the value of the `workflow` label: what the test is, e.g. 'unittests'.
  //
  // Options:
  //   kubeconfig: a step creates a kubeconfig at dirs.kubeconfig; every later step gets
  //               KUBECONFIG pointing at it.
  //   pythonPath: directories under dirs.src put on PYTHONPATH, e.g. ['kubeflow/testing/py'];
  //               default: the repository under test and kubeflow/testing/py.
  //   env:        extra environment on every step ({NAME: value}).
  workflow(params, workflow, kubeconfig=false, pythonPath=null, env={}):: {
    local p = defaults + params,
    assert std.objectHas(params, 'name') :
           'kftest.workflow: params has no `name`; pass the component its params as kftest gives them',
    assert std.objectHas(params, 'stepImage') :
           'kftest.workflow: the `stepImage` param is not set; add '
           + "`stepImage: <image>:<immutable tag>` to this entry's params in prow_config.yaml",
    assert std.isString(workflow) && workflow != '' :
           'kftest.workflow: give the `workflow` label, e.g. kftest.workflow(params, "unittests")',

    local builder = self,
    name:: p.name,
    namespace:: p.namespace,
    bucket:: p.bucket,
    image:: p.stepImage,
    // The Prow variables as the component saw them, "notset" where Prow did not set one.
    prowEnv:: parseProwEnv(p.prow_env),
    prow:: prowDefaults + self.prowEnv,

    labels:: {
      org: builder.prow.REPO_OWNER,
      repo: builder.prow.REPO_NAME,
      workflow: workflow,
      // Only a pull request has a number: postsubmits and periodics carry no `pr` label.
      [if std.objectHas(builder.prowEnv, 'PULL_NUMBER') then 'pr']: builder.prowEnv.PULL_NUMBER,
    },

    // The per-workflow NFS layout of the guidelines.
    dirs:: {
      mount: p.nfsMount,
      test: self.mount + '/' + builder.name,
      src: self.test + '/src',
      repo: self.src + '/' + builder.prow.REPO_OWNER + '/' + builder.prow.REPO_NAME,
      outputs: self.test + '/outputs',
      artifacts: self.outputs + '/artifacts',
      kubeconfig: self.test + '/.kube/config',
    },

    volumes:: [
      { name: 'kubeflow-test-volume', persistentVolumeClaim: { claimName: p.nfsClaim } },
      { name: 'gcp-credentials', secret: { secretName: p.gcpCredentialsSecret } },
      { name: 'github-token', secret: { secretName: p.githubTokenSecret } },
    ],
    volumeMounts:: [
      { name: 'kubeflow-test-volume', mountPath: builder.dirs.mount },
      { name: 'gcp-credentials', mountPath: '/secret/gcp-credentials', readOnly: true },
      { name: 'github-token', mountPath: '/secret/github-token', readOnly: true },
    ],

    local paths = if pythonPath == null
    then [self.prow.REPO_OWNER + '/' + self.prow.REPO_NAME, 'kubeflow/testing/py']
    else pythonPath,
    // The environment of every step (a step's own env is merged over it).
    env:: self.prowEnv {
      PYTHONPATH: std.join(':', [builder.dirs.src + '/' + path for path in paths]),
      GOOGLE_APPLICATION_CREDENTIALS: '/secret/gcp-credentials/key.json',
      GITHUB_TOKEN: { valueFrom: { secretKeyRef: { name: p.githubTokenSecret, key: 'github_token' } } },
      ARTIFACTS_DIR: builder.dirs.artifacts,
      [if kubeconfig then 'KUBECONFIG']: builder.dirs.kubeconfig,
    } + env,

    // A container template on stepImage with the standard env and mounts.
    template(name, command, env={}, workingDir=null, deadline=null, resources=null, args=null):: {
      name: name,
      activeDeadlineSeconds: toInt(if deadline == null then p.stepDeadline else deadline),
      container: {
        image: builder.image,
        command: command,
        [if args != null then 'args']: args,
        workingDir: if workingDir == null then builder.dirs.repo else workingDir,
        env: envList(builder.env + env),
        volumeMounts: builder.volumeMounts,
        [if resources != null then 'resources']: resources,
      },
    },

    // One step of the test. In a DAG, `deps` names the steps it waits for (default: the
    // checkout only); in steps style the groups give the order and `deps` is ignored.
    step(name, command, deps=[], env={}, workingDir=null, deadline=null, resources=null, args=null)::
      assert !std.member(reserved, name) :
             'kftest: step name "' + name + '" is reserved (' + std.join(', ', reserved) + ')';
      {
        name: name,
        deps: deps,
        template: builder.template(name, command, env, workingDir, deadline, resources, args),
      },

    // The first step: `kftest checkout` clones the repository under test (at the ref the Prow
    // variables in prow_env say) and EXTRA_REPOS into dirs.src, after creating the outputs
    // layout. The step image needs kftest and git (images/Dockerfile builds such an image).
    checkout:: {
      name: 'checkout',
      activeDeadlineSeconds: toInt(p.stepDeadline),
      container: {
        image: builder.image,
        command: [
          '/bin/sh',
          '-xc',
          'mkdir -p ' + shellQuote(builder.dirs.artifacts)
          + ' && kftest checkout ' + shellQuote(builder.dirs.src),
        ],
        env: envList(builder.prowEnv { EXTRA_REPOS: p.extraRepos }),
        volumeMounts: builder.volumeMounts,
      },
    },

    local exitTemplates(exitSteps) = [
      builder.template(
        'copy-artifacts',
        [
          'python',
          '-m',
          'kubeflow.testing.prow_artifacts',
          '--artifacts_dir=' + builder.dirs.outputs,
          'copy_artifacts',
          '--bucket=' + builder.bucket,
        ],
        workingDir=builder.dirs.test,
      ),
      builder.template('test-dir-delete', ['rm', '-rf', builder.dirs.test], workingDir='/'),
    ] + [s.template for s in exitSteps],

    // The onExit handler: the exit steps (teardown; their failure does not stop the upload),
    // then the upload of dirs.outputs to GCS, then the removal of the test dir from NFS.
    local exitHandler(exitSteps) = {
      name: 'exit-handler',
      steps:
        (if exitSteps == [] then [] else [[
           { name: s.name, template: s.name, continueOn: { failed: true, 'error': true } }
           for s in exitSteps
         ]])
        + [
          [{ name: 'copy-artifacts', template: 'copy-artifacts' }],
          [{ name: 'test-dir-delete', template: 'test-dir-delete' }],
        ],
    },

    local document(entrypoint, steps, exitSteps) = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: {
        name: builder.name,
        namespace: builder.namespace,
        labels: builder.labels,
      },
      spec: ttl(p) + {
        entrypoint: 'e2e',
        onExit: 'exit-handler',
        volumes: builder.volumes,
        templates: [entrypoint, exitHandler(exitSteps), builder.checkout]
                   + [s.template for s in steps]
                   + exitTemplates(exitSteps),
      },
    },

    // A DAG workflow: checkout first, then `steps` (from step()) as their deps say.
    dag(steps, exitSteps=[]):: document(
      {
        name: 'e2e',
        dag: {
          tasks: [{ name: 'checkout', template: 'checkout' }] + [
            {
              name: s.name,
              template: s.name,
              dependencies: if s.deps == [] || s.deps == null then ['checkout'] else s.deps,
            }
            for s in steps
          ],
        },
      },
      steps,
      exitSteps,
    ),

    // A steps-style workflow: checkout alone, then each group of steps in parallel.
    steps(groups, exitSteps=[]):: document(
      {
        name: 'e2e',
        steps: [[{ name: 'checkout', template: 'checkout' }]] + [
          [{ name: s.name, template: s.name } for s in group]
          for group in groups
        ],
      },
      std.flattenArrays(groups),
      exitSteps,
    ),
  },
}
