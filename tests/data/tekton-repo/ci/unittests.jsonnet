local kftest = import 'kftest.libsonnet';

function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([
    wf.step('pytest', ['python3', '-m', 'pytest', '--junitxml=' + wf.dirs.artifacts + '/junit_pytest.xml']),
  ])
