"""The loopback git server and ``kftest checkout`` against it (standins/git_fixtures.py)."""

from standins.git_fixtures import checkout, remote  # noqa: F401
