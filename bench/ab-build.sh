#!/usr/bin/env bash
# Builds one commit for `npm run bench:ab` in a detached git worktree of its own:
#   bench/ab-build.sh COMMIT DIR      -> DIR/dist/services/host/main.js
#   bench/ab-build.sh --remove DIR    -> removes that worktree again
# The worktree borrows this checkout's node_modules (a symlink), so nothing is installed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
if [[ "${1:-}" == "--remove" ]]; then
  [[ $# -eq 2 ]] || { echo "usage: $0 --remove DIR" >&2; exit 2; }
  git -C "$repo" worktree remove --force "$2"
  exit 0
fi
[[ $# -eq 2 ]] || { echo "usage: $0 COMMIT DIR | --remove DIR" >&2; exit 2; }
commit=$1
dir=$2
[[ -e "$dir" ]] && { echo "$0: $dir exists; remove it first (--remove $dir)" >&2; exit 1; }
git -C "$repo" worktree add --detach "$dir" "$commit" >/dev/null
ln -s "$repo/node_modules" "$dir/node_modules"
cd "$dir"
npx buf generate >/dev/null
npx tsc -p tsconfig.build.json
echo "$dir/dist ($(git rev-parse --short HEAD))"
