#!/usr/bin/env bash
# CI setup for the WebGPU tests (issue 18): a software Vulkan device (lavapipe) that Dawn accepts.
# Debian 12's Mesa 22.3 lavapipe lacks Vulkan features Dawn requires (no adapter is found); Mesa 25 from
# bookworm-backports works. Idempotent: does nothing when a new enough lavapipe is already installed.
set -euo pipefail
if [ "$(id -u)" != "0" ]; then echo "webgpu.sh: not root, skipping the software Vulkan device install"; exit 0; fi
if ! grep -qs 'bookworm' /etc/os-release; then echo "webgpu.sh: not Debian 12 (bookworm), skipping"; exit 0; fi
have=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
case "$have" in
  2[3-9].*|[3-9][0-9].*) echo "webgpu.sh: mesa-vulkan-drivers $have already installed"; exit 0 ;;
esac
list=/etc/apt/sources.list.d/bookworm-backports.list
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo 'deb http://deb.debian.org/debian bookworm-backports main' > "$list"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
echo "webgpu.sh: installed mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
