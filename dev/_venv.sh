# Sourced by dev/demo and dev/test: a project-local virtual environment, created once.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
pip_install() { .venv/bin/python -m pip install --quiet --disable-pip-version-check "$@"; }
