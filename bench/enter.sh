#!/usr/bin/env bash
# bench/enter.sh - how fast den enters an env, against bwrap, unshare+chroot and podman.
#
# Usage (as root, from the repository):  bash bench/enter.sh [OUTDIR]
#
# Builds nothing: it times DEN (default .build/release/den, from `make release`).
# Every command runs as an unprivileged user, as den's users do:
#   BENCH_USER       with 65536 subordinate ids (den's full id map)      default den-bench
#   BENCH_FLAT_USER  without subordinate ids (den's single-id fallback)   default den-bench-flat
# The rootfs is a busybox tree (Debian's busybox-static) unless ROOTFS names a directory to
# copy (e.g. an mmdebstrap output, as in ../shared/notes/peers-baseline.md).
# Each case: hyperfine -N, WARMUP warm-up runs, at least RUNS runs; medians and ratios are
# printed and written to OUTDIR/results.md. Then the cases run again in turn, RUNS rounds of
# one run each (bench/roundrobin.py), into OUTDIR/round-robin.md. Last, the CPU time one
# entry costs the machine, teardown included: CPU_RUNS runs of each (bench/cpu.py), into
# OUTDIR/cpu.md.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-$(mktemp -d /tmp/den-bench.XXXXXX)}
DEN=${DEN:-$PWD/.build/release/den}
RUNS=${RUNS:-30}
CPU_RUNS=${CPU_RUNS:-200}
WARMUP=${WARMUP:-3}
. bench/common.sh

[ -x "$DEN" ] || { echo "no den at $DEN: run \`make release\` first" >&2; exit 1; }
for tool in hyperfine bwrap unshare newuidmap; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install hyperfine bubblewrap util-linux uidmap" >&2; exit 1; }
done
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd); chmod 755 "$OUT"

make_rootfs() {  # make_rootfs DIR OWNER
  rm -rf "$1"; mkdir -p "$1"
  if [ -n "${ROOTFS:-}" ]; then
    cp -a "$ROOTFS/." "$1/"
  else
    mkdir -p "$1"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,proc,sys,dev,root,home}
    cp /bin/busybox "$1/bin/busybox"
    for applet in $(/bin/busybox --list-full); do [ -e "$1/$applet" ] || ln -s /bin/busybox "$1/$applet"; done
    printf 'root:x:0:0:root:/root:/bin/sh\n' > "$1/etc/passwd"; printf 'root:x:0:\n' > "$1/etc/group"
  fi
  chown -R "$2:" "$1"
}

declare -A ROOT PROJECT
for user in "$U" "$F"; do
  ROOT[$user]="$OUT/$user/root"; PROJECT[$user]="$OUT/$user/project"
  make_rootfs "${ROOT[$user]}" "$user"
  mkdir -p "${PROJECT[$user]}"
  echo "base = \"dir:${ROOT[$user]}\"" > "${PROJECT[$user]}/den.toml"
  chown -R "$user:" "$OUT/$user"; chmod 755 "$OUT/$user"
done

# The peers' command lines, as each case runs them (absolute paths: roundrobin.py does not
# search PATH).
BWRAP=(/usr/bin/bwrap --bind "${ROOT[$F]}" / --proc /proc --dev /dev --tmpfs /tmp --unshare-all --share-net /bin/true)
UNSHARE_FULL_MAP=("$(command -v unshare)" --user --map-users="$start,0,65536" --map-groups="$start,0,65536" --setuid 0 --setgid 0 --mount --pid --fork "$(command -v chroot)" "${ROOT[$U]}" /bin/true)

# A session that keeps U's env running, for the join cases.
hold_env() {
  U_ID=$(id -u "$U")
  ( cd "${PROJECT[$U]}" && $(as "$U" "$DEN" run -- sleep 100000) >/dev/null 2>&1 & echo $! > "$OUT/holder.pid" )
  sleep 1
}
release_env() {
  kill "$(cat "$OUT/holder.pid")" 2>/dev/null || true
  ( cd "${PROJECT[$U]}" && $(as "$U" "$DEN" stop) >/dev/null 2>&1 || true )
}

as() {  # as USER COMMAND...: the command line hyperfine runs
  local home; home=$(user_home "$1"); shift
  echo "setpriv --reuid=$U_ID --regid=$U_ID --clear-groups env -i HOME=$home PATH=/usr/bin:/bin:/usr/sbin:/sbin $*"
}

RESULTS="$OUT/results.tsv"; : > "$RESULTS"
bench() {  # bench NAME USER COMMAND...
  local name=$1 user=$2; shift 2
  U_ID=$(id -u "$user")
  local line; line=$(as "$user" "$@")
  (cd "${PROJECT[$user]}" && hyperfine -N --warmup "$WARMUP" --min-runs "$RUNS" --export-json "$OUT/$name.json" "$line" >/dev/null 2>&1) || {
    echo "$name: failed; the command was: $line" >&2; printf '%s\tFAIL\n' "$name" >> "$RESULTS"; return 0; }
  python3 - "$OUT/$name.json" "$name" >> "$RESULTS" <<'PY'
import json, statistics, sys
times = json.load(open(sys.argv[1]))["results"][0]["times"]
print(f"{sys.argv[2]}\t{statistics.median(times) * 1000:.2f}\t{min(times) * 1000:.2f}")
PY
}

# First entry: a fresh env each time (no other session running).
( cd "${PROJECT[$F]}" && su -s /bin/sh "$F" -c "HOME=$(user_home "$F") $DEN run -- true" >/dev/null 2>&1 || true )
( cd "${PROJECT[$U]}" && su -s /bin/sh "$U" -c "HOME=$(user_home "$U") $DEN run -- true" >/dev/null 2>&1 || true )
bench den-single "$F" "$DEN" run -- /bin/true
bench bwrap "$F" "${BWRAP[@]}"
bench unshare-single "$F" unshare --user --map-root-user --mount --pid --fork chroot "${ROOT[$F]}" /bin/true
bench den-full-map "$U" "$DEN" run -- /bin/true
bench unshare-full-map "$U" "${UNSHARE_FULL_MAP[@]}"

# Joining: the same command while a session keeps the env running.
hold_env
bench den-join "$U" "$DEN" run -- /bin/true
release_env

if command -v podman >/dev/null && [ -n "${PODMAN_IMAGE:-}" ]; then
  bench podman-run "$U" podman run --rm --network=host "$PODMAN_IMAGE" /bin/true
fi

python3 bench/report.py "$RESULTS" "$OUT/results.md" "median ms,min ms" \
  den-single:bwrap:1.5 den-full-map:unshare-full-map:1.2 den-join:bwrap:1.0

# The same cases again in turn, one run of each per round (see bench/roundrobin.py).
runs() {  # runs USER NAME COMMAND...: a roundrobin.py argument
  local user=$1 name=$2; shift 2
  U_ID=$(id -u "$user")
  echo "$name=${PROJECT[$user]}=$(as "$user" "$@")"
}
ROUND="$OUT/round-robin.tsv"
python3 bench/roundrobin.py "$RUNS" \
  "$(runs "$F" bwrap "${BWRAP[@]}")" \
  "$(runs "$F" den-single "$DEN" run -- /bin/true)" \
  "$(runs "$U" unshare-full-map "${UNSHARE_FULL_MAP[@]}")" \
  "$(runs "$U" den-full-map "$DEN" run -- /bin/true)" > "$ROUND"
hold_env
python3 bench/roundrobin.py "$RUNS" "$(runs "$F" bwrap-2 "${BWRAP[@]}")" \
  "$(runs "$U" den-join "$DEN" run -- /bin/true)" >> "$ROUND"
release_env
echo; echo "in turn:"
python3 bench/report.py "$ROUND" "$OUT/round-robin.md" "median ms,min ms" \
  den-single:bwrap:1.5 den-full-map:unshare-full-map:1.2 den-join:bwrap-2:1.0

# What an entry costs the machine in CPU, after den returns included (see bench/cpu.py). The
# launcher comes first: its cost is subtracted from the others'.
python3 bench/cpu.py "$CPU_RUNS" \
  "$(runs "$U" launcher /bin/true)" \
  "$(runs "$F" bwrap "${BWRAP[@]}")" \
  "$(runs "$F" den-single "$DEN" run -- /bin/true)" \
  "$(runs "$U" unshare-full-map "${UNSHARE_FULL_MAP[@]}")" \
  "$(runs "$U" den-full-map "$DEN" run -- /bin/true)" > "$OUT/cpu.tsv"
echo; echo "CPU per entry:"
python3 bench/report.py "$OUT/cpu.tsv" "$OUT/cpu.md" "net ms,busy ms,wall ms" \
  den-single:bwrap den-full-map:unshare-full-map
echo "results: $OUT/results.md, $OUT/round-robin.md, $OUT/cpu.md"
