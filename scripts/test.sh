#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs the test servers (apt: Postfix,
# Dovecot, NSD, PostgreSQL, Cyrus IMAP) and the Python test dependencies, then runs pytest.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then
    bash scripts/install_test_deps.sh
elif ! command -v postfix >/dev/null 2>&1; then
    echo "note: not root and the test servers are missing: their tests will be skipped" >&2
    echo "      (run 'sudo bash scripts/install_test_deps.sh' once)" >&2
fi

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
python3 -m ruff check --quiet .
python3 -m mypy
lint-imports --no-cache
exec python3 -m pytest -p no:cacheprovider "$@"
