#!/usr/bin/env bash
# Builds the test-only addon (test/addon → test/addon/build/Release/nodeswitch_testing.node):
# the classifier and pcap writer/port entry points the native tests drive. `npm test`
# runs this (pretest); a production install never does. Incremental: configure once,
# then make rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/../test/addon"
echo "building the test-only addon (test/addon: nodeswitch_testing.node)"
if [ ! -f build/Makefile ]; then node-gyp configure --loglevel=warn; fi
node-gyp build --loglevel=warn
