#!/usr/bin/env bash
# Benchmark: `kiln export --format ova` against the usual pipeline
#   qemu-img convert -O vmdk -o subformat=streamOptimized  +  sha256sum manifest  +  ustar tar
# on the same qcow2 source: a 4 GiB disk holding ~1.4 GB of real files (binaries, libraries,
# docs, locales, headers copied from this machine's /usr) on ext4, built with mkfs.ext4 -d.
# Prints both wall times, the speed ratio, the size ratio and kiln's throughput.
#
# usage: tests/bench/export-bench.sh [KILN_BINARY] [WORKDIR]
#   KILN_BINARY  default: build/builder/kiln
#   WORKDIR      default: /var/tmp/kiln-export-bench (needs ~8 GB; the source disk is kept
#                there and reused by later runs; delete the folder to rebuild it)
set -euo pipefail

kiln=${1:-build/builder/kiln}
work=${2:-/var/tmp/kiln-export-bench}
kiln=$(readlink -f "$kiln")
[ -x "$kiln" ] || { echo "no kiln binary at $kiln (build first, or pass its path)" >&2; exit 2; }
for tool in qemu-img mkfs.ext4 tar sha256sum /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (see .ci/install-deps)" >&2; exit 2; }
done
mkdir -p "$work"
cd "$work"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}

# --- the source disk (built once) ----------------------------------------------------------
if [ ! -f source.qcow2 ]; then
  echo "building the source disk (copy of parts of /usr, mkfs.ext4 -d, qcow2)..."
  rm -rf tree source.raw
  mkdir -p tree/usr/lib tree/usr/share
  cp -a /usr/bin /usr/libexec /usr/include tree/usr/
  cp -a /usr/lib/gcc /usr/lib/python3 tree/usr/lib/
  cp -a /usr/share/doc /usr/share/locale /usr/share/man /usr/share/perl5 tree/usr/share/
  truncate -s 4G source.raw
  mkfs.ext4 -q -F -d tree source.raw
  qemu-img convert -f raw -O qcow2 source.raw source.qcow2
  rm -rf tree source.raw
fi
# Same page-cache state for both tools: read the source once.
cat source.qcow2 > /dev/null
allocated=$(qemu-img map -f qcow2 --output=json source.qcow2 |
  python3 -c 'import json,sys; print(sum(e["length"] for e in json.load(sys.stdin) if e["data"] and not e.get("zero")))')
virtual=$(qemu-img info --output=json source.qcow2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])')

# timed CMD... -> sets wall, cpu (user+sys seconds) of the command and its children
timed() {
  /usr/bin/time -f '%e %U %S' -o time.txt "$@" > /dev/null
  read -r wall user sys < time.txt
  cpu=$(python3 -c "print(round($user + $sys, 2))")
}

# --- kiln ----------------------------------------------------------------------------------
rm -f kiln.ova
timed "$kiln" export source.qcow2 -o kiln.ova --name bench
kiln_wall=$wall kiln_cpu=$cpu
kiln_size=$(stat -c %s kiln.ova)
"$kiln" verify kiln.ova > verify.txt || { cat verify.txt; echo "kiln verify failed" >&2; exit 1; }

# --- qemu-img + tar (the OVF is kiln's, renamed: the descriptor costs nothing either way) ---
rm -rf base && mkdir base
tar -xOf kiln.ova kiln.ovf | sed 's/kiln-disk1\.vmdk/base-disk1.vmdk/' > base/base.ovf
baseline() {
  set -e
  qemu-img convert -f qcow2 -O vmdk -o subformat=streamOptimized,adapter_type=lsilogic source.qcow2 base/base-disk1.vmdk
  # the References size must be the real one
  size=$(stat -c %s base/base-disk1.vmdk)
  sed -i "s/ovf:size=\"[0-9]*\"/ovf:size=\"$size\"/" base/base.ovf
  (cd base && sha256sum --tag base.ovf base-disk1.vmdk | sed 's/ (/(/; s/) = /)= /' > base.mf)
  tar --format=ustar --owner=0 --group=0 --mtime="@$SOURCE_DATE_EPOCH" -C base -cf base.ova base.ovf base.mf base-disk1.vmdk
}
export -f baseline
rm -f base.ova
timed bash -c baseline
base_wall=$wall base_cpu=$cpu
base_size=$(stat -c %s base.ova)

cores=$(nproc)
python3 - "$kiln_wall" "$kiln_cpu" "$kiln_size" "$base_wall" "$base_cpu" "$base_size" "$allocated" "$virtual" "$cores" <<'PY'
import sys
kw, kc, ks, bw, bc, bs, alloc, virt, cores = map(float, sys.argv[1:])
mb = alloc / 1e6
print(f"source: {virt/2**30:.1f} GiB virtual, {mb:.0f} MB allocated (qcow2), {int(cores)} cores")
print(f"kiln export --format ova       : {kw:7.2f} s wall, {kc:7.2f} s CPU, {ks/1e6:8.1f} MB")
print(f"qemu-img streamOptimized + tar : {bw:7.2f} s wall, {bc:7.2f} s CPU, {bs/1e6:8.1f} MB")
print(f"speed-up (wall)                : {bw/kw:7.2f}x   (goal >= 5x)")
print(f"size ratio kiln/qemu-img       : {ks/bs:7.3f}    (goal <= 1.05)")
print(f"kiln throughput                : {mb/kw:7.1f} MB/s allocated data, {mb/kc:.1f} MB/s per CPU-second "
      f"({kc/kw:.2f} cores busy), {mb/kw/cores:.1f} MB/s per available core")
PY
