// kftest's unit tests: install the package with its test extras and run pytest, writing junit
// to outputs/artifacts so that Prow and TestGrid show every test case.
local kftest = import 'kftest.libsonnet';

function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([
    wf.step(
      'pytest',
      kftest.sh([
        "python3 -m pip install --quiet -e '.[test]'",
        'python3 -m pytest -q --junitxml=' + wf.dirs.artifacts + '/junit_pytest.xml',
      ]),
      deadline=3600,
    ),
  ])
