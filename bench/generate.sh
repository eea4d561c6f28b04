#!/usr/bin/env bash
# Measures generation for results/generation.md, in one session: d2l's greedy predict_ch8 in PyTorch eager
# mode (the anchor), `vecrnn predict --stats` on 1 and 2 threads and with 32 samples, and GenerateBench
# (a step against a stream read of its weights). Each timing run holds /tmp/vecrnn-bench.lock.
#
#   bench/generate.sh MODEL.safetensors      # a 2-layer LSTM, hidden 512 (train --cell lstm --layers 2 --hidden 512)
#
# Environment: JAVA (default: JDK 25), RUNS (CLI repetitions, default 3), SKIP_TORCH=1, SKIP_JMH=1.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:?usage: bench/generate.sh MODEL.safetensors}
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
RUNS=${RUNS:-3}
SHARED="$(cd .. && pwd)/shared"
LOCK=/tmp/vecrnn-bench.lock
run() { echo "\$ $*" >&2; flock "$LOCK" "$@"; }

if [ "${SKIP_TORCH:-0}" != 1 ]; then
  run env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$SHARED/anchors/d2l_torch.py" \
    "$SHARED/data/timemachine.txt" --concise --cell lstm --layers 2 --hidden 512 --epochs 1 --time-predict 10000 | tail -1
fi
for i in $(seq "$RUNS"); do
  for t in 1 2; do
    run "$JAVA" --add-modules jdk.incubator.vector -jar cli/target/cli.jar predict --model "$MODEL" --num-preds 10000 --stats --threads "$t" 2>&1 >/dev/null | tail -1
  done
  for s in 1 32; do
    run "$JAVA" --add-modules jdk.incubator.vector -jar cli/target/cli.jar predict --model "$MODEL" --num-preds 10000 --stats --threads 1 \
      --temperature 1 --samples "$s" 2>&1 >/dev/null | tail -1
  done
done
if [ "${SKIP_JMH:-0}" != 1 ]; then
  run "$JAVA" -jar bench/target/benchmarks.jar GenerateBench -p threads=1,2 -p samples=1,32 -prof gc -wi 5 -i 5 -f 1 -w 1s -r 1s \
    2>&1 | grep -E "^GenerateBench\.(step|readWeights) |gc.alloc.rate.norm" || true
fi
