#!/bin/sh
# Builds libsystemd.a (sd-bus, sd-daemon, sd-journal) from Debian's own systemd source
# package, for the static kiln-firstboot: Debian ships no static libsystemd.
#   build-libsystemd.sh WORKDIR [SOURCE_DIR]
# WORKDIR receives src/ (the unpacked source, unless SOURCE_DIR names one), build/ and, when
# done, libsystemd.a. The source comes from `apt-get source systemd` (needs a deb-src entry;
# .ci/install-deps adds one), i.e. the same systemd version as the host's libsystemd-dev.
set -eu
work=$1
source_dir=${2:-}
mkdir -p "$work"
cd "$work"

if [ -z "$source_dir" ]; then
  source_dir=$PWD/src
  if [ ! -f "$source_dir/meson.build" ]; then
    rm -rf download && mkdir download
    (cd download && apt-get source --download-only systemd >/dev/null)
    dpkg-source -x download/systemd_*.dsc "$source_dir" >/dev/null
  fi
fi

# Everything optional off: only what libsystemd itself needs (libcap; libmount is required by
# meson's configure step). No compression or crypto libraries, so the static link needs none.
if [ ! -f build/build.ninja ]; then
  meson setup build "$source_dir" --buildtype=release -Dmode=release -Dstatic-libsystemd=pic \
    -Dauto_features=disabled -Dtests=false -Dman=false -Dhtml=false -Dtranslations=false \
    -Dgcrypt=false -Dopenssl=false -Dxz=false -Dlz4=false -Dzstd=false -Dselinux=false \
    -Dlink-udev-shared=false -Dlink-systemctl-shared=false -Dstandalone-binaries=false >/dev/null
fi
# version.h is generated; libsystemd.a alone does not order itself after it.
ninja -C build version.h libsystemd.a >/dev/null
cp build/libsystemd.a libsystemd.a
echo "$work/libsystemd.a"
