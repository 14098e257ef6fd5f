#!/bin/bash -eu
# ClusterFuzzLite entry point: the OSS-Fuzz build, unchanged.
exec "$SRC/cbpf/fuzz/oss-fuzz/build.sh"
