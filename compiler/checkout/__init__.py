"""``kftest checkout``: the repositories a Prow job or a workflow's first step needs, from git.

It replaces the seed's ``checkout.sh`` and ``checkout_repos.sh`` (seed-system.md §5): ``spec``
parses what to check out (the Prow environment, ``EXTRA_REPOS``, ``--repos``), ``git`` runs
git with deadlines, retries and redaction, ``repo`` checks out one repository all or nothing,
``tree`` puts them all under SRC_DIR and makes the ``--links``. Only git is needed; nothing
here is imported on the lint path.
"""
