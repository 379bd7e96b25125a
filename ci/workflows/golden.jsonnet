// golden/ holds the compiled output of prow_config.yaml for every job type; this checks that
// it still matches what the compiler and lib/ produce (`kftest golden --update` refreshes it).
local kftest = import 'kftest.libsonnet';

function(params)
  local wf = kftest.workflow(params, 'golden');
  wf.dag([
    wf.step('golden', kftest.sh([
      "python3 -m pip install --quiet -e '.[test]'",
      'kftest golden --format junit > ' + wf.dirs.artifacts + '/junit_golden.xml',
    ])),
  ])
