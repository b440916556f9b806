# Shared by the bench scripts (source it): where things are, and the tools they need.
bench_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bun="$bench_root/node_modules/.bin/bun"
deno="$bench_root/node_modules/.bin/deno"

# Exits 2 with how to install hyperfine when it is missing; `require_hyperfine N` also needs -N.
require_hyperfine() {
  if ! command -v hyperfine >/dev/null 2>&1; then
    echo "hyperfine not found; install it with: apt-get install -y hyperfine (Debian/Ubuntu) or cargo install hyperfine" >&2
    exit 2
  fi
  if [[ ${1:-} == N ]] && ! hyperfine --help 2>/dev/null | grep -q -- '--shell=none'; then
    echo "this hyperfine has no -N (--shell=none); version 1.13 or later is needed" >&2
    exit 2
  fi
}
