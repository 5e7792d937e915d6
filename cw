#!/usr/bin/env bash
# The project's front door. Needs only Python 3.11 on the machine; everything else it installs itself
# into .venv from uv.lock (pinned, hashed) the first time, and again whenever the lock changes.
#
#   ./cw night            run a whole night: feeds -> gates -> dbt -> national interface, print a summary
#   ./cw test             ruff, sqlfluff and pytest (unit, integration, e2e)
#   ./cw docs             serve Data Docs, dbt docs and the reports on http://127.0.0.1:8600/
#   ./cw report night|subject <USCC>   the night report with charts, a subject's credit report (HTML, PDF)
#   ./cw <command> ...    any credit-warehouse command (db start|stop|status|url, bootstrap, generate, ...)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

UV_VERSION=0.13.9
STATE=.state
PYTHON=${CREDIT_WAREHOUSE_PYTHON:-python3.11}

fail() { echo "cw: $*" >&2; exit 2; }

ensure_python() {
  command -v "$PYTHON" >/dev/null 2>&1 \
    || fail "Python 3.11 is required but '$PYTHON' was not found; install Python 3.11 or set CREDIT_WAREHOUSE_PYTHON to its path."
  local version
  version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  [[ $version == 3.11 ]] || fail "Python 3.11 is required but '$PYTHON' is Python $version; set CREDIT_WAREHOUSE_PYTHON to a Python 3.11."
}

# Bytecode compiled at install: a machine with PYTHONDONTWRITEBYTECODE would otherwise compile Airflow, GX
# and dbt from source in every task, dbt call and test process (GX's import alone: 4 s of compiling).
SYNC_OPTIONS=(--frozen --quiet --compile-bytecode)

ensure_env() {
  local stamp=$STATE/env.stamp want
  want=$( (cat uv.lock pyproject.toml; echo "${SYNC_OPTIONS[*]}") | sha256sum | cut -c1-16)
  if [[ -x .venv/bin/credit-warehouse && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    return
  fi
  ensure_python
  mkdir -p "$STATE"
  if [[ ! -x $STATE/uv/bin/uv ]]; then
    echo "cw: installing uv $UV_VERSION (once) ..." >&2
    "$PYTHON" -m venv "$STATE/uv"
    "$STATE/uv/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  fi
  echo "cw: installing the locked environment into .venv ..." >&2
  UV_PROJECT_ENVIRONMENT=.venv "$STATE/uv/bin/uv" sync "${SYNC_OPTIONS[@]}" \
    --python "$(command -v "$PYTHON")" --python-preference only-system
  echo "$want" > "$stamp"
}

# Debian packages: Chromium prints the credit report's PDF and renders pages in the browser tests; a CJK
# font lets it draw Chinese. Installed once, when a command that needs them runs.
DEBIAN_PACKAGES=(chromium fonts-wqy-zenhei)

ensure_debian_packages() {
  local missing=() package
  for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [[ ${#missing[@]} -eq 0 ]] && return
  command -v apt-get >/dev/null 2>&1 || fail "install the packages ${missing[*]} (Chromium and a CJK font) with your system's package manager."
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  echo "cw: installing Debian packages ${missing[*]} (once) ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  # another apt run (a second checkout's setup, unattended upgrades on a fresh machine) holds dpkg's lock
  # for a while: wait for it instead of failing
  local apt=("${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600)
  "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { "${apt[@]}" update -qq >/dev/null && "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } \
    || fail "could not install ${missing[*]}; install them by hand (apt-get install ${missing[*]})."
}

run_tests() {
  export CREDIT_WAREHOUSE_STATE=$PWD/$STATE/test
  echo "== ruff" && .venv/bin/ruff check .
  echo "== sqlfluff (dbt templater)" && .venv/bin/credit-warehouse lint-sql
  ensure_debian_packages
  echo "== pytest" && .venv/bin/pytest "$@"
}

ensure_env
case "${1:-}" in
  test) shift; run_tests "$@" ;;
  setup) ensure_debian_packages; echo "cw: environment ready in .venv" ;;
  report) ensure_debian_packages; exec .venv/bin/credit-warehouse "$@" ;;
  "") exec .venv/bin/credit-warehouse --help ;;
  *) exec .venv/bin/credit-warehouse "$@" ;;
esac
