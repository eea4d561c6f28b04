#!/usr/bin/env bash
# Measures end-to-end training throughput and rewrites results/training.md:
# vecrnn `train` (d2l defaults) on JDK 17 and JDK 25 with 1 and 2 threads, and, in the same session, the
# PyTorch reference (../shared/anchors/d2l_torch.py, scratch and nn.RNN) on the same job.
# Usage: bash bench/train.sh [EPOCHS]   (default 500; PyTorch runs min(EPOCHS, 50) epochs: tokens/sec is per epoch)
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS="${1:-500}"
SHARED="$(cd .. && pwd)/shared"
export VECRNN_DATA_DIR="${VECRNN_DATA_DIR:-$SHARED/data}"
JDK17="${JDK17:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"
JDK25="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
OUT=results/training.md
LOGS=results/logs
mkdir -p "$LOGS"

# PyTorch runs on OpenBLAS with this CPU's own kernels: the two variables force another core type and cache size
TORCH_ENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
OPENBLAS_HEAD=""
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  OPENBLAS_HEAD=$("${TORCH_ENV[@]}" /usr/bin/python3 bench/openblas_sgemm.py --check)   # exits 1 unless torch is on OpenBLAS
fi

mvn -q package -DskipTests -pl engine,cli -am >/dev/null
cp cli/target/cli.jar "$LOGS/.cli.jar"   # a copy, so a rebuild during the run cannot change it

rows=()
source bench/medians.sh
run_vecrnn() { # jdk-home label threads extra-args...
  local jdk="$1" label="$2" threads="$3"; shift 3
  local log="$LOGS/train-$label-t$threads$*.log"; log="${log// /_}"
  local cmd=("$jdk/bin/java" --add-modules jdk.incubator.vector "-Xlog:gc:file=$log.gc::filecount=0" -jar "$LOGS/.cli.jar" train
             --epochs "$EPOCHS" --threads "$threads" --save "$LOGS/.model.safetensors" --metrics "$log.csv" "$@")
  /usr/bin/time -f "wall %e s, max RSS %M KiB" "${cmd[@]}" >"$log" 2>"$log.time"
  local summary wall heap
  summary=$(grep '^perplexity ' "$log" | head -1)
  wall=$(grep -o 'wall [0-9.]* s' "$log.time")
  heap=$(grep -o -- '->[0-9]*M' "$log.gc" | tr -dc '0-9\n' | sort -n | tail -1 || true)
  gcs=$(grep -c 'Pause' "$log.gc" || true)
  rows+=("| vecrnn, JDK $label | $threads | $* | $(printf %.0f "$(median_csv "$log.csv")") | ${summary} | ${wall#wall } | ${heap:-?} MiB, ${gcs} GCs | \`java --add-modules jdk.incubator.vector -jar cli.jar train --epochs $EPOCHS --threads $threads $*\` |")
  echo "${rows[-1]}"
}

run_torch() { # threads extra-args...
  local threads="$1"; shift
  local e=$(( EPOCHS < 50 ? EPOCHS : 50 ))
  local log="$LOGS/torch-t$threads$*.log"; log="${log// /_}"
  "${TORCH_ENV[@]}" /usr/bin/python3 "$SHARED/anchors/d2l_torch.py" "$SHARED/data/timemachine.txt" --epochs "$e" --threads "$threads" --log-every 1 "$@" >"$log" 2>&1
  rows+=("| PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') | $threads | ${*:-scratch} | $(printf %.0f "$(median_torch "$log")") | $(grep '^perplexity ' "$log" | head -1) | | | \`${TORCH_ENV[*]} python3 ../shared/anchors/d2l_torch.py --epochs $e --threads $threads --log-every 1 $*\` |")
  echo "${rows[-1]}"
}

run_vecrnn "$JDK25" 25 2
run_vecrnn "$JDK25" 25 1
run_vecrnn "$JDK25" 25 2 --random-iter
run_vecrnn "$JDK17" 17 2
run_vecrnn "$JDK17" 17 1
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  run_torch 2 --concise
  run_torch 2
  run_torch 1 --concise
fi

{
  echo "# Training throughput"
  echo
  echo "Made by \`bash bench/train.sh $EPOCHS\` on $(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs."
  echo "JDKs: $("$JDK17/bin/java" -version 2>&1 | head -1); $("$JDK25/bin/java" -version 2>&1 | head -1)."
  [[ -n "$OPENBLAS_HEAD" ]] && echo "PyTorch runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset: ${OPENBLAS_HEAD#\# }."
  echo "d2l defaults (hidden 512, batch 32, steps 35, lr 1, clip 1, 10,000 tokens, 8 minibatches = 8,960 tokens per epoch)."
  echo "Median tokens/sec is over the second half of the epochs (per-epoch figures from \`--metrics\` and PyTorch's per-epoch"
  echo "lines); the final line's tokens/sec is the last epoch's alone, as d2l reports it. Peak live heap is the largest"
  echo "heap occupancy after a GC in the -Xlog:gc log (the garbage before it comes from JIT warm-up: a compiled"
  echo "training step allocates nothing). Full logs, GC logs and /usr/bin/time output are in results/logs/."
  echo
  echo "| run | threads | options | median tok/s | final line | wall time ($EPOCHS epochs) | peak live heap, GCs | command |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
} >"$OUT"
echo "wrote $OUT"
