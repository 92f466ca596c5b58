#!/usr/bin/env bash
# What the container environment's tests need (as root; idempotent, about a second when in place):
#   podman + runc            crun fails on this kind of VM's hybrid cgroups, so podman is told to use runc
#   /etc/containers/containers.conf   runc, and default ulimits this root may set (podman's defaults
#                            need CAP_SYS_RESOURCE: "setrlimit RLIMIT_NOFILE: Operation not permitted")
#   localhost/sera-ci/bookworm:1      the tests' base image, built offline: no image registry is
#                            reachable, so mmdebstrap makes a Debian rootfs from the apt mirror (about
#                            2 minutes; the tarball is cached) and `podman import` turns it into an image
set -euo pipefail

image=localhost/sera-ci/bookworm:1
cache=/var/cache/sera-ci
rootfs=$cache/bookworm-rootfs.tar

missing=()
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc)
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "containers-up: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

conf=/etc/containers/containers.conf
if [ ! -f "$conf" ] || grep -q "Written by sera's .ci" "$conf"; then
  limit=$(ulimit -Hn)
  cat > "$conf.sera-new" <<CONF
# Written by sera's .ci/containers-up.sh: crun cannot run on this VM's hybrid cgroups, and podman's
# default ulimits need CAP_SYS_RESOURCE, which this machine's root lacks.
[containers]
default_ulimits = ["nofile=$limit:$limit", "nproc=32768:32768"]

[engine]
runtime = "runc"
CONF
  mv "$conf.sera-new" "$conf"
fi

if ! podman image exists "$image"; then
  mkdir -p "$cache"
  if [ ! -s "$rootfs" ]; then
    echo "containers-up: building the base image's root filesystem offline (mmdebstrap, about 2 minutes)"
    # mmdebstrap picks its output format from the name's extension: keep .tar last.
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    mmdebstrap --quiet --variant=apt --include=python3,python3-venv,git,ca-certificates,procps \
      bookworm "$cache/bookworm-rootfs.partial.tar" "deb $mirror bookworm main" "deb $mirror bookworm-updates main" >/dev/null
    mv "$cache/bookworm-rootfs.partial.tar" "$rootfs"
  fi
  # Repositories are bind-mounted with another owner; git inside must not refuse them.
  podman import --quiet --change 'CMD ["/bin/bash"]' "$rootfs" "$image.base" >/dev/null
  container=$(podman run -d --network none "$image.base" sleep 60)
  podman exec "$container" git config --system safe.directory '*'
  podman commit --quiet "$container" "$image" >/dev/null
  podman rm -f --time 0 "$container" >/dev/null
  podman rmi "$image.base" >/dev/null
fi
