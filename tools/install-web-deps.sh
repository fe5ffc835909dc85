#!/bin/sh
# Install the JavaScript the HLS test and the browser player use (hls.js,
# pinned with its integrity hash in tools/web/package-lock.json) into
# tools/web/node_modules.  Needs npm; run by tools/install-deps.sh.
set -e
cd "$(dirname "$0")/web"
npm ci --ignore-scripts --no-audit --no-fund
