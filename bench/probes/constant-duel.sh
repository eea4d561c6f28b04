#!/usr/bin/env bash
# Compares values of one VectorGemm tuning constant (KC, MC, WIDE_PANEL, PACK_A_MIN_N, ...) on one GEMM shape,
# switching it between interleaved bursts in one JVM: on a shared host whose speed drifts by tens of percent,
# separate runs cannot resolve a 5% difference. Copies the kernels to a temporary directory, makes the constant
# non-final there, and compiles ConstantDuel beside them; the engine itself is untouched.
#
#   bash bench/probes/constant-duel.sh TN 512x1120x512 KC 256,640
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 bash bench/probes/constant-duel.sh NP 16x256x1024 KC 256,640
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 4 ] || { echo "usage: $0 LAYOUT SHAPE CONSTANT V1,V2[,...] [ROUNDS]" >&2; exit 2; }
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/dev/vecrnn/kernels" "$tmp/classes"
cp engine/src/main/java/dev/vecrnn/kernels/*.java bench/probes/ConstantDuel.java "$tmp/src/dev/vecrnn/kernels/"
grep -q "static final int $3 = " "$tmp/src/dev/vecrnn/kernels/VectorGemm.java" || { echo "no constant $3 in VectorGemm" >&2; exit 2; }
sed -i "s/static final int $3 = /static int $3 = /" "$tmp/src/dev/vecrnn/kernels/VectorGemm.java"
"$JAVA_HOME/bin/javac" -nowarn --add-modules jdk.incubator.vector -d "$tmp/classes" "$tmp"/src/dev/vecrnn/kernels/*.java 2>&1 \
  | grep -v -e "incubat" -e "^1 warning" || true
flock /tmp/vecrnn-bench.lock "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "$tmp/classes" \
  dev.vecrnn.kernels.ConstantDuel "$@" 2>&1 | grep -v "WARNING: Using incubator"
