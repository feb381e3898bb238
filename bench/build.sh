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
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd); chmod 755 "$OUT"
HOME_U=$(user_home "$U")

# Every run gets fresh directories and nothing is deleted until the end: on ext4, creating
# files right after deleting a large tree makes the inode allocator scan the recently
# deleted inodes (recently_deleted() in the kernel), which slowed later runs by up to 2x.
fresh() {  # fresh NAME: a new empty directory owned by the bench user; prints its path
  mkdir -p "$OUT/runs"; chmod 755 "$OUT/runs"
  local dir; dir=$(mktemp -d "$OUT/runs/$1.XXXXXX")
  chown "$U:" "$dir"; chmod 755 "$dir"
  echo "$dir"
}
DATA=""; CACHE=""

as_user() {  # as_user DIR COMMAND...: run as the bench user, in DIR, with a clean environment
  local dir=$1; shift
  (cd "$dir" && setpriv --reuid="$U" --regid="$U" --clear-groups env -i HOME="$HOME_U" \
     PATH=/usr/bin:/bin:/usr/sbin:/sbin XDG_DATA_HOME="$DATA" XDG_CACHE_HOME="$CACHE" "$@")
}

seconds() { date +%s.%N; }
RESULTS="$OUT/results.tsv"; : > "$RESULTS"
record() {  # record NAME SECONDS...
  local name=$1; shift
  python3 - "$name" "$@" >> "$RESULTS" <<'PY'
import statistics, sys
values = [float(v) for v in sys.argv[2:]]
print(f"{sys.argv[1]}\t{statistics.median(values):.2f}\t{min(values):.2f}\t{max(values):.2f}")
PY
}

# Cases are registered, then run round-robin (run 1 of every case, then run 2…), so that a
# machine that slows down as its disk fills up weighs on every case alike.
declare -a CASES=()
declare -A PREPARE=() COMMAND=() TIMES=() FAILED=()
case_add() { CASES+=("$1"); PREPARE[$1]=$2; COMMAND[$1]=$3; }  # case_add NAME PREPARE COMMAND

run_case() {  # run_case NAME RUN: evaluates PREPARE (untimed), then COMMAND (timed)
  local name=$1 run=$2
  [ -z "${FAILED[$name]:-}" ] || return 0
  eval "${PREPARE[$name]}"
  sync  # the previous run's writeback is not this run's cost
  local begin; begin=$(seconds)
  if ! eval "${COMMAND[$name]}" > "$OUT/$name.$run.log" 2>&1; then
    echo "$name: run $run failed, see $OUT/$name.$run.log" >&2; FAILED[$name]=1; return 0
  fi
  TIMES[$name]+=" $(python3 -c "print($(seconds) - $begin)")"
}

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

for run in $(seq "$RUNS"); do
  for name in "${CASES[@]}"; do run_case "$name" "$run"; done
  echo "run $run done"
done
for name in "${CASES[@]}"; do
  if [ -n "${FAILED[$name]:-}" ]; then printf '%s\tFAIL\n' "$name" >> "$RESULTS"; else record "$name" ${TIMES[$name]}; fi
done
rm -rf "$OUT/runs"

ratios=()
for variant in minbase extra; do
  ratios+=("den-cold-$variant:mmdebstrap-$variant:0.7" "den-warm-$variant:mmdebstrap-$variant:0.5"
           "den-lock-$variant:mmdebstrap-$variant" "den-cold-$variant:debootstrap-$variant")
done
python3 bench/report.py "$RESULTS" "$OUT/results.md" "median s,min s,max s" "${ratios[@]}"
echo "results: $OUT/results.md"
