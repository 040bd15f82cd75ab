#!/bin/sh
# Layer unpack/create benchmark against GNU tar and umoci, on the disk holding WORKDIR
# (default /var/tmp/stevedore-layer-bench; not tmpfs). Usage: layer-bench.sh [WORKDIR] [RUNS]
set -eu
cd "$(dirname "$0")/../.."
mvn -q -B -o test-compile dependency:build-classpath -pl core -am \
    -Dmdep.outputFile="$PWD/core/target/bench-classpath.txt"
exec java -Xmx64m -cp "core/target/test-classes:core/target/classes:$(cat core/target/bench-classpath.txt)" \
    dev.stevedore.internal.layer.LayerBenchmark "$@"
