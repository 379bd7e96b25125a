#!/bin/sh
# The image's install step (images/Dockerfile), also run by tests/test_image.py:
# kftest from the source tree SOURCE_DIR into a new virtual environment VENV_DIR.
#   usage: install.sh SOURCE_DIR VENV_DIR
set -eu
source_dir=$1
venv=$2
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet "$source_dir"
# Smoke test: the command runs, and finds its schemas and jsonnet library outside the tree.
"$venv/bin/kftest" --version
"$venv/bin/kftest" rules checkout-first >/dev/null
