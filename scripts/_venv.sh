# Sourced by scripts/run and scripts/test: create or reuse the virtual
# environment and install the project with the extras named in $EXTRAS.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-$ROOT/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating the virtual environment in $VENV" >&2
    python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
echo "Installing backprop-explorer${EXTRAS:+[$EXTRAS]} into $VENV" >&2
"$PY" -m pip install --quiet --disable-pip-version-check -e ".${EXTRAS:+[$EXTRAS]}"
