#!/bin/sh
# JSON encoding old (JSONEncoder + copy) against new (JSONBufferEncoder): time and
# malloc calls per encoding of a page of 50 opportunities and of one opportunity.
#   bench/json-alloc/run.sh [.build/release/baton] [iterations]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
baton=${1:-.build/release/baton}
cc -O2 -shared -fPIC -o /tmp/baton-malloc-count.so "$here/count.c"
LD_PRELOAD=/tmp/baton-malloc-count.so "$baton" bench-json --iterations "${2:-2000}"
