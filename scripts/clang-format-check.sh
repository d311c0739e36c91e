#!/usr/bin/env bash
# npm run lint's native half: every C++ file under native/ must be as clang-format
# (.clang-format at the top) would write it. Prints the differences and the files,
# and exits non-zero otherwise; `bash scripts/clang-format-check.sh --fix` rewrites them.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
  echo "clang-format not found: apt-get install clang-format, or bash scripts/system-deps.sh test" >&2
  exit 1
fi
mapfile -t files < <(find native \( -name '*.h' -o -name '*.cc' \) -type f | sort)
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run -Werror "${files[@]}"; then
  bad=()
  for f in "${files[@]}"; do clang-format --dry-run -Werror "$f" 2>/dev/null || bad+=("$f"); done
  echo "clang-format: ${#bad[@]} of ${#files[@]} files under native/ differ from .clang-format: ${bad[*]}" >&2
  echo "fix them with: bash scripts/clang-format-check.sh --fix" >&2
  exit 1
fi
