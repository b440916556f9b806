#!/usr/bin/env bash
# Makes the benchmark repository: 2,000 small files (100 B to ~2 KiB of text) in nested
# directories (20 top directories x 5 subdirectories x 20 files), 10 of them executable, plus
# 10 symlinks, in one commit. Deterministic: the same bytes, hence the same objects, every time.
# Usage: make-repo.sh <dir> [packed|loose]   (packed: after `git gc`, as a clone is; default)
set -euo pipefail
dir=$1
layout=${2:-packed}
mkdir -p "$dir"
cd "$dir"
git init -q -b main
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
export GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z
awk 'BEGIN {
  n = 0
  for (t = 0; t < 20; t++) for (s = 0; s < 5; s++) {
    d = sprintf("pkg%02d/mod%d", t, s)
    system("mkdir -p " d)
    for (f = 0; f < 20; f++) {
      path = sprintf("%s/file%02d.js", d, f)
      lines = 3 + (n * 7919) % 60
      for (l = 0; l < lines; l++) printf("export const v%d_%d = \"%08x\"; // line %d of %s\n", n, l, (n * 2654435761 + l) % 4294967296, l, path) > path
      close(path)
      n++
    }
  }
}'
for i in $(seq 0 9); do
  script="pkg$(printf %02d "$i")/mod0/run$i.sh"
  printf '#!/bin/sh\necho %s\n' "$i" >"$script"
  chmod +x "$script"
  ln -s "../mod1/file0$i.js" "pkg$(printf %02d "$i")/mod0/link$i.js"
done
# 2,000 regular files in total: drop ten generated files to make room for the ten scripts.
for i in $(seq 0 9); do rm "pkg$(printf %02d "$i")/mod4/file19.js"; done
git add -A
git commit -q -m "bench fixture"
if [[ $layout == packed ]]; then git gc -q --prune=now; fi
