#!/usr/bin/env bash
# Fails, listing them, when the git working tree (of the current folder) has files that differ from
# the last commit or that git neither tracks nor ignores: what a command left in a fresh clone.
# Usage: scripts/check-clean.sh WHAT   (WHAT names the command that ran, for the message)
set -euo pipefail
left=$(git status --porcelain --untracked-files=all)
[ -n "$left" ] || exit 0
echo "FAILED: $1 left the clone changed (stop writing these, or add them to .gitignore):"
printf '%s\n' "$left" | sed 's/^/  /'
exit 1
