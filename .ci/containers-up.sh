#!/usr/bin/env bash
# What the container environment's tests need (as root; idempotent, about a second when in place):
#   podman + runc            crun fails on this kind of VM's hybrid cgroups, so podman is told to use runc
#   /etc/containers/containers.conf   runc, and default ulimits this root may set (podman's defaults
#                            need CAP_SYS_RESOURCE: "setrlimit RLIMIT_NOFILE: Operation not permitted")
#   docker.io + dockerd      `runtime: docker` is tested too; with no systemd here, dockerd is started
#                            in the background (log: /var/log/sera-ci-dockerd.log)
#   localhost/sera-ci/bookworm:1      the tests' base image, in both runtimes, built offline: no image
#                            registry is reachable, so mmdebstrap makes a Debian rootfs from the apt
#                            mirror (about 2 minutes; the tarball is cached) and `import` turns it into an image
set -euo pipefail

image=localhost/sera-ci/bookworm:1
cache=/var/cache/sera-ci
rootfs=$cache/bookworm-rootfs.tar

missing=()
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc)
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
command -v dockerd >/dev/null || missing+=(docker.io)
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

if ! docker info >/dev/null 2>&1; then
  echo "containers-up: starting dockerd"
  setsid nohup dockerd >/var/log/sera-ci-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "containers-up: dockerd did not start (log: /var/log/sera-ci-dockerd.log)" >&2; exit 1; }
fi

# Makes $image in one runtime ($1) from the cached rootfs: import, then let git inside accept
# repositories bind-mounted with another owner.
import_base_image() {
  local runtime=$1 container
  "$runtime" import --change 'CMD ["/bin/bash"]' "$rootfs" "$image.base" >/dev/null
  container=$("$runtime" run -d --network none "$image.base" sleep 60)
  "$runtime" exec "$container" git config --system safe.directory '*'
  "$runtime" commit "$container" "$image" >/dev/null
  "$runtime" rm -f "$container" >/dev/null
  "$runtime" rmi "$image.base" >/dev/null
}

if ! podman image exists "$image" || ! docker image inspect "$image" >/dev/null 2>&1; then
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
  podman image exists "$image" || import_base_image podman
  docker image inspect "$image" >/dev/null 2>&1 || import_base_image docker
fi
