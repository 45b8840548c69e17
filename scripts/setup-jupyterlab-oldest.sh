#!/usr/bin/env bash
# The oldest JupyterLab the extension declares (jupyterlab-ext/package.json: @jupyterlab/* ^4.0.0),
# for the JupyterLab e2e suite's second run (test/e2e/jupyterlab-oldest.e2e.test.ts): JupyterLab
# 4.0.0 in its own venv, .cache/jupyterlab-4.0, outside .venv, with the kernel side pinned as in
# requirements-dev.txt, the kernel helper, and the extension linked in as in .venv; and the type
# declarations of the packages the extension imports, as that JupyterLab ships them. Idempotent: quick
# when it is there; about a minute the first time. Run by setup.sh with the test engines.
set -euo pipefail
cd "$(dirname "$0")/.."
JL_VERSION=4.0.0
V=.cache/jupyterlab-4.0
# The kernel side (ipykernel, jupyter_client, numpy for the demo) as the tests' .venv pins it.
pins=$(grep -E '^(ipykernel|jupyter_client|numpy)==' requirements-dev.txt | tr '\n' ' ')
want="jupyterlab==$JL_VERSION $pins"
pip() { "$V/bin/python" -m pip --quiet --disable-pip-version-check "$@"; }
if [ ! -x "$V/bin/jupyter-lab" ] || [ "$(cat "$V/.runlane-requirements" 2>/dev/null)" != "$want" ]; then
  echo "[setup] installing JupyterLab $JL_VERSION (the oldest the extension supports) into $V for its e2e test"
  [ -x "$V/bin/python" ] || python3 -m venv "$V" || { echo "setup: python3 -m venv failed; on Debian/Ubuntu install python3-venv." >&2; exit 1; }
  # shellcheck disable=SC2086  # $want is a list of requirements
  pip install $want
  pip install -e shared/kernel-helper
  # The venv's JavaScript is CommonJS (the repo's package.json says "type": "module"; see setup.sh).
  echo '{ "type": "commonjs" }' > "$V/package.json"
  echo "$want" > "$V/.runlane-requirements"
fi
# The declarations of the JupyterLab and Lumino packages the extension imports, at the versions this
# JupyterLab ships (its third-party-licenses.json), for the type-check against them
# (jupyterlab-ext/tsconfig.oldest.json): fetched with npm pack, nothing installed.
types="$V/types/node_modules"
wanted=$("$V/bin/python" - "$V/share/jupyter/lab/static/third-party-licenses.json" <<'PY'
import json, pathlib, re, sys
shipped = {p["name"]: p["versionInfo"] for p in json.load(open(sys.argv[1]))["packages"]}
imported = set()
for f in pathlib.Path("jupyterlab-ext/src").rglob("*.ts"):
    imported |= set(re.findall(r"from '(@(?:jupyterlab|lumino)/[a-z-]+)'", f.read_text()))
missing = sorted(imported - shipped.keys())
if missing:
    sys.exit("setup: the extension imports %s, which JupyterLab's oldest supported version does not ship; guard it or raise the oldest version." % ", ".join(missing))
print(" ".join(sorted("%s@%s" % (name, shipped[name]) for name in imported)))
PY
)
if [ "$(cat "$types/.packages" 2>/dev/null)" != "$wanted" ]; then
  echo "[setup] fetching the type declarations of JupyterLab $JL_VERSION's packages (npm pack)"
  rm -rf "$types" && mkdir -p "$types"
  for spec in $wanted; do
    name=${spec%@*}
    tgz=$(cd "$types" && npm pack --silent "$spec" 2>/dev/null | tail -1) || { echo "setup: npm pack $spec failed." >&2; exit 1; }
    mkdir -p "$types/$name" && tar xzf "$types/$tgz" -C "$types/$name" --strip-components=1 && rm "$types/$tgz"
  done
  echo "$wanted" > "$types/.packages"
fi
bash scripts/setup-jupyterlab-ext.sh "$V"
