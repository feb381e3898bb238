#!/usr/bin/env bash
# bench/build.sh - how fast den builds debian:bookworm, against mmdebstrap and debootstrap.
#
# Usage (as root, from the repository):  bash bench/build.sh [OUTDIR]
#
# Times DEN (default .build/release/den, from `make release`) building two envs from the
# mirror of the host's apt sources: minbase (debian:bookworm) and minbase + git, python3,
# build-essential. Cases, each RUNS times (default 3), median/min/max written to
# OUTDIR/results.md:
#   den-cold     den.lock committed, empty package cache and store: fetch + build
#   den-lock     no den.lock: resolve + fetch + build (what mmdebstrap's runs include)
#   den-warm     .debs already cached, no layer built
#   den-built    the env exists: `den run -- true`, which must do no build work
#   mmdebstrap   --mode=unshare --variant=minbase, as the bench user (its own apt cache empty)
#   debootstrap  --variant=minbase, as root (it cannot run unprivileged)
# den and mmdebstrap run as BENCH_USER (subordinate ids); debootstrap needs root.
# Goals (issue 4): den-cold <= 0.7x mmdebstrap, den-warm <= 0.5x mmdebstrap.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-$(mktemp -d /tmp/den-build-bench.XXXXXX)}
DEN=${DEN:-$PWD/.build/release/den}
RUNS=${RUNS:-3}
SUITE=${SUITE:-bookworm}
EXTRA=${EXTRA:-git,python3,build-essential}
. bench/common.sh

[ -x "$DEN" ] || { echo "no den at $DEN: run \`make release\` first" >&2; exit 1; }
for tool in mmdebstrap debootstrap; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install mmdebstrap debootstrap" >&2; exit 1; }
done
MIRROR=${MIRROR:-$(host_mirror)}
[ -n "$MIRROR" ] || { echo "no mirror in the host's apt sources: set MIRROR" >&2; exit 1; }

bench_setup

project() {  # project NAME PACKAGES: a project directory with its den.toml
  local dir="$OUT/projects/$1"
  mkdir -p "$dir"
  { echo "name = \"$1\""; echo "base = \"debian:$SUITE\""; echo "mirror = \"$MIRROR\"";
    [ -z "$2" ] || echo "packages = [\"${2//,/\", \"}\"]"; } > "$dir/den.toml"
  chown -R "$U:" "$OUT/projects"; chmod 755 "$OUT/projects"
  echo "$dir"
}

reset_store() { DATA=$(fresh data); }
reset_cache() { CACHE=$(fresh cache); }

declare -A DIR=() INCLUDE=() WARM_CACHE=()
for variant in minbase extra; do
  packages=""; [ "$variant" = extra ] && packages=$EXTRA
  DIR[$variant]=$(project "$variant" "$packages")
  INCLUDE[$variant]=""; [ -n "$packages" ] && INCLUDE[$variant]="--include=$packages"
  # The lock once, kept (a clone has it committed); its downloads are the warm cache.
  reset_store; reset_cache
  as_user "${DIR[$variant]}" "$DEN" build > "$OUT/lock-$variant.log" 2>&1
  cp "${DIR[$variant]}/den.lock" "$OUT/den.lock.$variant"
  WARM_CACHE[$variant]=$CACHE

  case_add "den-lock-$variant" "reset_store; reset_cache; rm -f \"${DIR[$variant]}/den.lock\"" \
    "as_user \"${DIR[$variant]}\" \"\$DEN\" build"
  case_add "den-cold-$variant" "reset_store; reset_cache; cp \"$OUT/den.lock.$variant\" \"${DIR[$variant]}/den.lock\"" \
    "as_user \"${DIR[$variant]}\" \"\$DEN\" build"
  case_add "den-warm-$variant" "reset_store; CACHE=${WARM_CACHE[$variant]}" "as_user \"${DIR[$variant]}\" \"\$DEN\" build"
  case_add "den-built-$variant" ":" "as_user \"${DIR[$variant]}\" \"\$DEN\" run -- true"
  # mmdebstrap and debootstrap download into the target: each run starts with nothing.
  case_add "mmdebstrap-$variant" 'target=$(fresh mm)/root' \
    "as_user \"\$OUT\" mmdebstrap --quiet --mode=unshare --variant=minbase ${INCLUDE[$variant]} \"\$SUITE\" \"\$target\" \"\$MIRROR\""
  case_add "debootstrap-$variant" 'target=$(fresh ds)/root' \
    "debootstrap --variant=minbase ${INCLUDE[$variant]} \"\$SUITE\" \"\$target\" \"\$MIRROR\""
done

run_cases

ratios=()
for variant in minbase extra; do
  ratios+=("den-cold-$variant:mmdebstrap-$variant:0.7" "den-warm-$variant:mmdebstrap-$variant:0.5"
           "den-lock-$variant:mmdebstrap-$variant" "den-cold-$variant:debootstrap-$variant")
done
python3 bench/report.py "$RESULTS" "$OUT/results.md" "median s,min s,max s" "${ratios[@]}"
echo "results: $OUT/results.md"
