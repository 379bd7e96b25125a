local util = import "util.libsonnet";

{
  // The default image to use for the steps in the Argo workflow.
  local defaultTestImage = "gcr.io/kubeflow-ci/test-worker:latest",

  parseEnv:: util.parseEnv,

  // Construct the Argo workflow that runs the E2E tests.
  parts(namespace, name):: {
    e2e(prow_env, bucket, params):: {
      local mountPath = "/mnt/test-data-volume",
      // The directory within the kubeflow_testing submodule containing
      // py scripts to use.
      local testDir = mountPath + "/" + name,
      local outputDir = testDir + "/output",
      local artifactsDir = outputDir + "/artifacts",
      local srcRootDir = testDir + "/src",
      local prowDict = {
        BUILD_ID: "notset",
        BUILD_NUMBER: "notset",
        REPO_OWNER: "notset",
        REPO_NAME: "notset",
        JOB_NAME: "notset",
        JOB_TYPE: "notset",
        PULL_NUMBER: "notset",
      } + util.listOfDictToMap(prow_env),
      // The directory containing the kubeflow/kubeflow repo
      local srcDir = srcRootDir + "/" + prowDict.REPO_OWNER + "/" + prowDict.REPO_NAME,
      local kubeflowTestingPy = srcRootDir + "/kubeflow/testing/py",
      local image = if std.objectHas(params, "stepImage") then params.stepImage else defaultTestImage,
      local useIstio = util.toBool(params.useIstio),
      local dataVolume = "kubeflow-test-volume",
      local labels = {
        org: prowDict.REPO_OWNER,
        repo: prowDict.REPO_NAME,
        workflow: name,
        [if prowDict.JOB_TYPE == "presubmit" then "pr"]: prowDict.PULL_NUMBER,
      },

      // Build an Argo template to execute a particular command.
      // step_name: Name for the template
      // command: List to pass as the container command.
      buildTemplate(step_name, command, env_vars=[]):: {
        name: step_name,
        activeDeadlineSeconds: params.deadline,
        metadata: {
          labels: labels { step_name: step_name },
        },
        container: {
          command: command,
          image: image,
          workingDir: srcDir,
          env: [
            {
              // Add the source directories to the python path.
              name: "PYTHONPATH",
              value: srcDir + ":" + kubeflowTestingPy,
            },
            {
              name: "GOOGLE_APPLICATION_CREDENTIALS",
              value: "/secret/gcp-credentials/key.json",
            },
            {
              name: "GITHUB_TOKEN",
              valueFrom: {
                secretKeyRef: {
                  name: "github-token",
                  key: "github_token",
                },
              },
            },
          ] + prow_env + env_vars,
          volumeMounts: [
            {
              name: dataVolume,
              mountPath: mountPath,
            },
            {
              name: "github-token",
              mountPath: "/secret/github-token",
            },
            {
              name: "gcp-credentials",
              mountPath: "/secret/gcp-credentials",
            },
          ],
        },
      },  // buildTemplate

      apiVersion: "argoproj.io/v1alpha1",
      kind: "Workflow",
      metadata: {
        name: name,
        namespace: namespace,
        labels: labels,
        creationTimestamp: null,
      },
      spec: {
        entrypoint: "e2e",
        onExit: "exit-handler",
        // The seed wrote `ttlSecondsAfterFinished: 604800`, which Argo has since removed
        // (`kftest lint` says so, as argo-schema): the one edit this app needed.
        ttlStrategy: { secondsAfterCompletion: 604800 },
        volumes: [
          {
            name: "github-token",
            secret: {
              secretName: "github-token",
            },
          },
          {
            name: "gcp-credentials",
            secret: {
              secretName: "kubeflow-testing-credentials",
            },
          },
          {
            name: dataVolume,
            persistentVolumeClaim: {
              claimName: "nfs-external",
            },
          },
        ],  // volumes
        // onExit specifies the template that should always run when the workflow completes.
        templates: [
          {
            name: "e2e",
            dag: {
              tasks: [
                {
                  name: "checkout",
                  template: "checkout",
                },
                {
                  name: "create-pr-symlink",
                  template: "create-pr-symlink",
                  dependencies: ["checkout"],
                },
                {
                  name: "deploy",
                  template: "deploy",
                  dependencies: ["checkout"],
                },
                {
                  name: "test",
                  template: "test",
                  dependencies: ["deploy"],
                },
              ],
            },
          },
          {
            name: "exit-handler",
            dag: {
              tasks: [
                {
                  name: "copy-artifacts",
                  template: "copy-artifacts",
                },
              ],
            },
          },
          {
            name: "checkout",
            container: {
              command: [
                "/usr/local/bin/checkout.sh",
                srcRootDir,
              ],
              env: prow_env + [{
                name: "EXTRA_REPOS",
                value: "kubeflow/testing@HEAD",
              }],
              image: image,
              volumeMounts: [
                {
                  name: dataVolume,
                  mountPath: mountPath,
                },
              ],
            },
          },  // checkout
          $.parts(namespace, name).e2e(prow_env, bucket, params).buildTemplate("create-pr-symlink", [
            "python",
            "-m",
            "kubeflow.testing.prow_artifacts",
            "--artifacts_dir=" + outputDir,
            "create_pr_symlink",
            "--bucket=" + bucket,
          ]),  // create-pr-symlink
          $.parts(namespace, name).e2e(prow_env, bucket, params).buildTemplate("deploy", [
            "python",
            "-m",
            "testing.deploy_kubeflow",
            "--platform=" + params.platform,
            "--namespace=" + namespace,
          ] + if useIstio then ["--use_istio"] else []),  // deploy
          $.parts(namespace, name).e2e(prow_env, bucket, params).buildTemplate("test", [
            "pytest",
            "testing/e2e",
            "--junitxml=" + artifactsDir + "/junit_e2e.xml",
          ]),  // test
          $.parts(namespace, name).e2e(prow_env, bucket, params).buildTemplate("copy-artifacts", [
            "python",
            "-m",
            "kubeflow.testing.prow_artifacts",
            "--artifacts_dir=" + outputDir,
            "copy_artifacts",
            "--bucket=" + bucket,
          ]),  // copy-artifacts
        ],  // templates
      },
    },  // e2e
  },  // parts
}
