# bench/common.sh - what the benchmarks share: sourced, not run.
# Checks it runs as root, then makes the unprivileged users every measured command runs as:
#   U  (BENCH_USER, default den-bench)            65536 subordinate ids: den's full id map
#   F  (BENCH_FLAT_USER, default den-bench-flat)  no subordinate ids: den's single-id fallback
# and sets $start, the first subordinate id of U.
[ "$(id -u)" = 0 ] || { echo "run as root (it creates the bench users)" >&2; exit 1; }
U=${BENCH_USER:-den-bench}
F=${BENCH_FLAT_USER:-den-bench-flat}

user_home() { getent passwd "$1" | cut -d: -f6; }
for user in "$U" "$F"; do id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh --user-group "$user"; done
uid=$(id -u "$U")
start=$((600000000 + (uid % 1000) * 65536))
for file in /etc/subuid /etc/subgid; do
  sed -i "/^$U:/d; /^$F:/d" "$file"
  echo "$U:$start:65536" >> "$file"
done

# The first URIs: of the host's deb822 sources, or the first deb line of sources.list.
host_mirror() {
  local found
  found=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 | awk '{print $2}')
  [ -n "$found" ] || found=$(grep -h '^deb ' /etc/apt/sources.list 2>/dev/null | head -n1 | sed 's/\[[^]]*\]//' | awk '{print $2}')
  echo "$found"
}

# What a benchmark script calls once $OUT is set: makes it, and defines the helpers below.
bench_setup() {
  mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd); chmod 755 "$OUT"
  HOME_U=$(user_home "$U")
  RESULTS="$OUT/results.tsv"; : > "$RESULTS"
}

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

# Runs every case RUNS times, round-robin, and records the medians in $RESULTS.
run_cases() {
  for run in $(seq "$RUNS"); do
    for name in "${CASES[@]}"; do run_case "$name" "$run"; done
    echo "run $run done"
  done
  for name in "${CASES[@]}"; do
    if [ -n "${FAILED[$name]:-}" ]; then printf '%s\tFAIL\n' "$name" >> "$RESULTS"; else record "$name" ${TIMES[$name]}; fi
  done
  rm -rf "$OUT/runs"
}
