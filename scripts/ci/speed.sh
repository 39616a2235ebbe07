#!/usr/bin/env bash
# CI setup for the speed tests (test/bench/peer-python.test.ts): numpy for /usr/bin/python3, so the numpy
# Pendulum-v1 of the PyTorch peer is checked against Gymnasium's traces. Idempotent: installs nothing when numpy
# already imports. (python3-torch, ~1 GB with its dependencies, is not installed in CI: the test that runs the
# torch scripts skips with its reason; `npm run bench:peer` needs it — docs/speed.md.)
set -euo pipefail
if /usr/bin/python3 -c "import numpy" 2>/dev/null; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends python3-numpy
