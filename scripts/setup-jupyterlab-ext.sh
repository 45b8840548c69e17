#!/usr/bin/env bash
# The JupyterLab extension in the dev environment (.venv), as `jupyter labextension develop` does it:
# builds the prebuilt labextension (rspack, through jupyter-builder) when its sources changed, links
# it into .venv's JupyterLab, makes the server extension importable and enables it. Run by setup.sh
# after the TypeScript build; quick when nothing changed. The wheel (`pip install ./jupyterlab-ext`)
# carries the same files: see docs/jupyterlab.md.
# Usage: scripts/setup-jupyterlab-ext.sh [VENV]   (VENV: where to link it, .venv by default; the
#        oldest supported JupyterLab's venv gets it this way too: scripts/setup-jupyterlab-oldest.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv}"
ext=jupyterlab-ext
out=$ext/runlane_jupyterlab/labextension
stamp=$out/.runlane-sources
want=$(cat $ext/package.json $ext/schema/*.json $ext/style/* $(find $ext/lib shared/ui/dist shared/protocol/dist -name '*.js' | sort) | python3 -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')  # no sha256sum on macOS
if [ ! -f "$out/package.json" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[setup] building the JupyterLab extension (jupyter-builder)"
  (cd $ext && PATH="$PWD/../.venv/bin:$PATH" jupyter-builder build . >/dev/null) || { echo "setup: the JupyterLab extension did not build (run: cd $ext && ../.venv/bin/jupyter-builder build .)" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$PWD/$ext" > "$site/runlane_jupyterlab_dev.pth"
mkdir -p "$venv/share/jupyter/labextensions" "$venv/etc/jupyter/jupyter_server_config.d"
ln -sfn "$PWD/$out" "$venv/share/jupyter/labextensions/runlane-jupyterlab"
cp $ext/jupyter-config/server-config/runlane_jupyterlab.json "$venv/etc/jupyter/jupyter_server_config.d/"
