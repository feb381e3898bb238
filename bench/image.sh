#!/usr/bin/env bash
# bench/image.sh - how fast den pulls and unpacks a multi-layer image from a local registry,
# against skopeo copy + umoci unpack and podman pull, cold.
#
# Usage (as root, from the repository):  bash bench/image.sh [OUTDIR]
#
# Makes an image of three layers: Debian minbase (mmdebstrap, gzip), the host's Python
# standard library (gzip: many small files) and a layer with whiteouts (plain tar); pushes it
# with skopeo to Debian's docker-registry on 127.0.0.1. Cases, each RUNS times (default 3),
# every run from empty caches and stores, as BENCH_USER (subordinate ids):
#   den-cold       den.lock committed: pull by digest, verify, apply the layers, digest the tree
#   skopeo-umoci   skopeo copy docker://… oci:DIR, then umoci unpack --rootless
#   podman-pull    podman pull into a fresh rootless storage (overlay driver)
# Goal (issue 5): den-cold no slower than the fastest of the others.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-$(mktemp -d /tmp/den-image-bench.XXXXXX)}
DEN=${DEN:-$PWD/.build/release/den}
RUNS=${RUNS:-3}
SUITE=${SUITE:-bookworm}
. bench/common.sh

[ -x "$DEN" ] || { echo "no den at $DEN: run \`make release\` first" >&2; exit 1; }
for tool in mmdebstrap skopeo umoci podman docker-registry; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install mmdebstrap skopeo umoci podman docker-registry" >&2; exit 1; }
done
MIRROR=${MIRROR:-$(host_mirror)}
[ -n "$MIRROR" ] || { echo "no mirror in the host's apt sources: set MIRROR" >&2; exit 1; }
bench_setup

# The registry, on a free port, stopped when the script ends.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
REGISTRY=127.0.0.1:$PORT
cat > "$OUT/registry.yml" <<EOF
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $OUT/registry}}
http: {addr: $REGISTRY}
EOF
docker-registry serve "$OUT/registry.yml" > "$OUT/registry.log" 2>&1 &
REGISTRY_PID=$!
trap 'kill $REGISTRY_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://$REGISTRY/v2/" >/dev/null && break; sleep 0.1; done

echo "making the image"
mmdebstrap --quiet --mode=root --variant=minbase "$SUITE" "$OUT/minbase.tar" "$MIRROR"
python3 - "$OUT/layout" "$OUT/minbase.tar" <<'PY'
import gzip, hashlib, io, json, os, sys, sysconfig, tarfile
out, minbase = sys.argv[1], sys.argv[2]
os.makedirs(f"{out}/blobs/sha256", exist_ok=True)
json.dump({"imageLayoutVersion": "1.0.0"}, open(f"{out}/oci-layout", "w"))
def blob(data, media_type):
    digest = hashlib.sha256(data).hexdigest()
    open(f"{out}/blobs/sha256/{digest}", "wb").write(data)
    return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}
stdlib = io.BytesIO()
with tarfile.open(fileobj=stdlib, mode="w", format=tarfile.PAX_FORMAT) as tar:
    path = sysconfig.get_paths()["stdlib"]
    tar.add(path, arcname="opt/python-stdlib", filter=lambda i: None if "__pycache__" in i.name else i)
whiteouts = io.BytesIO()
with tarfile.open(fileobj=whiteouts, mode="w", format=tarfile.PAX_FORMAT) as tar:
    for name in ["usr/share/.wh.doc", "usr/share/man/.wh..wh..opq"]:
        tar.addfile(tarfile.TarInfo(name))
raw = open(minbase, "rb").read()
layers = [(gzip.compress(raw, 6, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip", raw),
          # gzip, not zstd: Debian's umoci (0.4.7) cannot unpack zstd layers (den's tests cover them).
          (gzip.compress(stdlib.getvalue(), 6, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip", stdlib.getvalue()),
          (whiteouts.getvalue(), "application/vnd.oci.image.layer.v1.tar", whiteouts.getvalue())]
config = {"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/usr/bin:/bin"]},
          "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(l[2]).hexdigest() for l in layers]}}
manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": blob(json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json"),
            "layers": [blob(data, media) for data, media, _ in layers]}
entry = blob(json.dumps(manifest).encode(), "application/vnd.oci.image.manifest.v1+json")
entry["annotations"] = {"org.opencontainers.image.ref.name": "1"}
json.dump({"schemaVersion": 2, "manifests": [entry]}, open(f"{out}/index.json", "w"))
PY
echo '{"default":[{"type":"insecureAcceptAnything"}]}' > "$OUT/policy.json"
chmod 644 "$OUT/policy.json"
IMAGE=$REGISTRY/bench/image:1
skopeo --policy "$OUT/policy.json" copy --quiet --preserve-digests --dest-tls-verify=false "oci:$OUT/layout:1" "docker://$IMAGE"
du -sh "$OUT/layout/blobs" | sed 's/^/image blobs: /'

PROJECT="$OUT/projects/image"
mkdir -p "$PROJECT"; chmod 755 "$OUT/projects"
printf 'name = "image"\nbase = "%s"\n' "$IMAGE" > "$PROJECT/den.toml"
chown -R "$U:" "$OUT/projects"
reset_store() { DATA=$(fresh data); }
reset_cache() { CACHE=$(fresh cache); }
reset_store; reset_cache
as_user "$PROJECT" "$DEN" lock > "$OUT/lock.log" 2>&1

case_add den-cold "reset_store; reset_cache" "as_user \"$PROJECT\" \"\$DEN\" build"
case_add skopeo-umoci 'work=$(fresh so)' \
  "as_user \"\$work\" sh -c 'skopeo --policy $OUT/policy.json copy --quiet --src-tls-verify=false docker://$IMAGE oci:layout:1 && umoci unpack --rootless --image layout:1 bundle'"
case_add podman-pull 'work=$(fresh pp)' \
  "as_user \"\$work\" podman --root \"\$work/storage\" --runroot \"\$work/run\" --storage-driver overlay pull --quiet --tls-verify=false $IMAGE"
run_cases

python3 bench/report.py "$RESULTS" "$OUT/results.md" "median s,min s,max s" \
  "den-cold:skopeo-umoci:1.0" "den-cold:podman-pull:1.0"
echo "results: $OUT/results.md"
