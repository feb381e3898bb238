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
