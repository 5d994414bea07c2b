# Sourced by bin/slomix and bin/test: find Python >= 3.12, create .venv, and
# (re)install the project when its packaging files changed since the last install.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
cd "$ROOT"  # so pyenv reads .python-version

find_python() {
    local candidate
    for candidate in "${SLOMIX_PYTHON:-}" python3.12 python3.13 python3.14 python3 python; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# Every distribution of the project, editable, with its dev extras.
packages() {
    local dir
    printf -- '-e\n%s[dev]\n' "$ROOT"
    for dir in "$ROOT"/adapters/*/ "$ROOT"/plugins/*/; do
        [ -f "$dir/pyproject.toml" ] && printf -- '-e\n%s[dev]\n' "${dir%/}"
    done
}

# Packaging files and the C sources compiled at install: a change to either needs a reinstall.
stamp() {
    { cat "$ROOT"/pyproject.toml "$ROOT"/adapters/*/pyproject.toml "$ROOT"/plugins/*/pyproject.toml \
        "$ROOT"/bin/_bootstrap.sh
      find "$ROOT"/slomix "$ROOT"/adapters "$ROOT"/plugins -name '*.c' -not -path '*/.venv/*' | sort | xargs -r cat
    } | sha256sum | cut -d' ' -f1
}

bootstrap() {
    if [ ! -x "$VENV/bin/python" ]; then
        local python
        python="$(find_python)" || {
            echo "slomix: Python >= 3.12 is needed (none found as python3.12 or python3)" >&2
            exit 1
        }
        echo "slomix: creating $VENV with $python" >&2
        "$python" -m venv "$VENV"
    fi
    local want
    want="$(stamp)"
    if [ "$(cat "$VENV/.slomix-installed" 2>/dev/null)" != "$want" ]; then
        echo "slomix: installing the project into $VENV (first run or packaging changed)" >&2
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
        mapfile -t args < <(packages)
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${args[@]}"
        echo "$want" > "$VENV/.slomix-installed"
    fi
}
