// Style, then kftest's own lint of this repository: ruff and jsonnetfmt in parallel, then
// `kftest lint` (prow_config.yaml, every component, every guideline rule). Steps style.
local kftest = import 'kftest.libsonnet';

function(params)
  local wf = kftest.workflow(params, 'lint');
  local junit(name) = wf.dirs.artifacts + '/junit_' + name + '.xml';
  local install = "python3 -m pip install --quiet -e '.[test]'";
  wf.steps([
    [
      wf.step('ruff', kftest.sh([
        install,
        'ruff format --check .',
        'ruff check --output-format junit --output-file ' + junit('ruff') + ' .',
      ])),
      wf.step('jsonnetfmt', kftest.sh([
        'jsonnetfmt --test lib/*.libsonnet ci/workflows/*.jsonnet',
      ])),
    ],
    [
      wf.step('kftest-lint', kftest.sh([
        install,
        'kftest lint --format junit > ' + junit('kftest-lint'),
      ])),
    ],
  ])
