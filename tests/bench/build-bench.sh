#!/usr/bin/env bash
# kiln build benchmark: cold build of a profile (default profiles/debian12-patroni.yml) with a
# fresh layer cache, its per-stage times, the rebuild after changing one overlay file, and
# (--baseline) the same image made in the same run with libguestfs's own tools:
# debootstrap -> virt-make-fs -> virt-customize --install -> virt-sysprep -> qemu-img streamOptimized.
# Needs root (debootstrap). Forces TCG (KILN_ACCEL=tcg) as tests and CI do here.
#   tests/bench/build-bench.sh [--baseline] [PROFILE]
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
kiln=${KILN:-$root/build/builder/kiln}
baseline=0
if [ "${1:-}" = "--baseline" ]; then baseline=1; shift; fi
profile_rel=${1:-profiles/debian12-patroni.yml}
export KILN_ACCEL=tcg LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg

work=$(mktemp -d /var/tmp/kiln-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
# A copy of the profiles and overlays, so one overlay file can change without touching the repo.
cp -a "$root/profiles" "$root/overlays" "$work/"
[ -d "$root/units" ] && cp -a "$root/units" "$work/"
profile="$work/$profile_rel"
name=$("$kiln" plan --json "$profile" | python3 -c 'import json,sys; print(json.load(sys.stdin)["profile"])')

now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }
stages() {
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1] + ".build.json"))
m = json.load(open(sys.argv[1] + ".manifest.json"))
for s in r["stages"]:
    print(f"    {s['stage']:<16} {s['seconds']:>8.1f} s")
print(f"    cache hit: {r['cache']['hit']}, packages: {len(m['packages'])}")
PY
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
t0=$(now)
"$kiln" build "$profile" -o "$work/out-cold" --cache-dir "$work/cache" > "$work/cold.log" 2>&1 || { cat "$work/cold.log"; exit 1; }
t1=$(now)
cold=$(secs "$t0" "$t1")
echo "cold build ($name): $cold s"
stages "$work/out-cold/$name"

# One overlay file changes: only customize and later stages run; the package layer is cached.
echo "# changed by build-bench $(date +%s)" >> "$work/overlays/base/etc/sysctl.d/90-kiln.conf"
t0=$(now)
"$kiln" build "$profile" -o "$work/out-rebuild" --cache-dir "$work/cache" > "$work/rebuild.log" 2>&1 || { cat "$work/rebuild.log"; exit 1; }
t1=$(now)
rebuild=$(secs "$t0" "$t1")
echo "rebuild after one overlay change: $rebuild s ($(python3 -c "print(f'{100*$rebuild/$cold:.0f}')")% of cold)"
stages "$work/out-rebuild/$name"

if [ "$baseline" = 1 ]; then
  # The same package set with libguestfs's tools: boot packages by debootstrap, the rest
  # installed inside the TCG appliance, as DESIGN.md's 1140 s reference pipeline did.
  mapfile -t pkgs < <(python3 - "$profile" <<'PY'
import sys, yaml
p = yaml.safe_load(open(sys.argv[1]))
for x in p["base"]["bootstrap"]["packages"]:
    print(x.replace("${pg_version}", "15"))
PY
)
  boot=(linux-image-amd64 grub-pc systemd-sysv dbus udev kmod iproute2 ifupdown isc-dhcp-client netbase openssh-server sudo ca-certificates)
  rest=()
  for p in "${pkgs[@]}"; do [[ " ${boot[*]} " == *" $p "* ]] || rest+=("$p"); done
  b0=$(now)
  debootstrap --variant=minbase --include="$(IFS=,; echo "${boot[*]}")" bookworm "$work/tree" http://deb.debian.org/debian > "$work/base.log" 2>&1
  b1=$(now)
  virt-make-fs --format=raw --partition=gpt --type=ext4 --size=8G "$work/tree" "$work/base.raw" > "$work/mkfs.log" 2>&1
  b2=$(now)
  virt-customize -a "$work/base.raw" --network --smp 2 --install "$(IFS=,; echo "${rest[*]}")" > "$work/customize.log" 2>&1
  b3=$(now)
  virt-sysprep -a "$work/base.raw" > "$work/sysprep.log" 2>&1
  b4=$(now)
  qemu-img convert -O vmdk -o subformat=streamOptimized "$work/base.raw" "$work/base.vmdk"
  b5=$(now)
  total=$(secs "$b0" "$b5")
  echo "libguestfs-tools pipeline: $total s (debootstrap $(secs "$b0" "$b1"), virt-make-fs $(secs "$b1" "$b2"), virt-customize --install $(secs "$b2" "$b3"), virt-sysprep $(secs "$b3" "$b4"), qemu-img streamOptimized $(secs "$b4" "$b5"))"
  echo "kiln cold build: $(python3 -c "print(f'{100*$cold/$total:.0f}')")% of the libguestfs-tools pipeline"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
