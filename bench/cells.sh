#!/usr/bin/env bash
# d2l 9.1-9.3 on vecrnn and PyTorch in one session, and rewrites results/cells.md:
#   parity: 500 epochs of d2l's GRU (hidden 256, lr 1), LSTM (hidden 256, lr 1) and 2-layer LSTM (hidden 256,
#           lr 2) on vecrnn (JDK 25, 2 threads) and on d2l's scratch models in PyTorch (d2l_torch.py);
#   speed:  tokens/sec of the same jobs, median over epochs, vecrnn against PyTorch's nn.GRU/nn.LSTM (--concise),
#           REPS runs of each taking turns, and the machine's FMA peak (shared/anchors/peak.c) read just before
#           and after each vecrnn run.
# Usage: [REPS=3] bash bench/cells.sh [parity|speed|all] [PARITY_EPOCHS] [SPEED_EPOCHS]   (defaults: all 500 60)
# PyTorch runs with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset, so OpenBLAS uses this CPU's own kernels.
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT="${1:-all}"; PARITY_EPOCHS="${2:-500}"; SPEED_EPOCHS="${3:-60}"; REPS="${REPS:-3}"
SHARED="$(cd .. && pwd)/shared"
JDK25="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
LOGS=results/logs/cells
mkdir -p "$LOGS"
TORCH=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$SHARED/anchors/d2l_torch.py" "$SHARED/data/timemachine.txt")

mvn -q package -DskipTests -pl engine,cli -am >/dev/null
cp cli/target/cli.jar "$LOGS/.cli.jar"   # a copy, so a rebuild during the run cannot change it
VECRNN=("$JDK25/bin/java" --add-modules jdk.incubator.vector -jar "$LOGS/.cli.jar" train --data-dir "$SHARED/data")

JOBS=("gru 1 1" "lstm 1 1" "lstm 2 2")   # cell layers lr, d2l 9.1, 9.2, 9.3

source bench/medians.sh

if [ "$WHAT" = parity ] || [ "$WHAT" = all ]; then
  : > "$LOGS/parity.rows"
  for job in "${JOBS[@]}"; do
    set -- $job; cell=$1 layers=$2 lr=$3
    v="$LOGS/parity-vecrnn-$cell$layers.log"; t="$LOGS/parity-torch-$cell$layers.log"
    [ -s "$v" ] && grep -q '^perplexity ' "$v" && [ -z "${FRESH:-}" ] || \
    "${VECRNN[@]}" --cell "$cell" --layers "$layers" --hidden 256 --lr "$lr" --epochs "$PARITY_EPOCHS" --threads 2 \
      --print-every 50 --save "$LOGS/.model.safetensors" >"$v" 2>&1
    # one thread: perplexity does not depend on it, and OpenMP's spinning barriers slow two threads many times
    # over whenever anything else runs on a 2-core machine
    [ -s "$t" ] && grep -q '^perplexity ' "$t" || \
    "${TORCH[@]}" --cell "$cell" --layers "$layers" --hidden 256 --lr "$lr" --epochs "$PARITY_EPOCHS" --threads 1 --log-every 50 >"$t" 2>&1
    # the last epoch's perplexity to two decimals (the summary lines round it to one, as d2l prints it)
    pv=$(awk '/^epoch [0-9]+\/[0-9]+ /{p=$4} END{print p}' "$v"); pt=$(awk '/^epoch [0-9]+ ppl /{p=$4} END{print p}' "$t")
    echo "| $cell | $layers | $lr | $pv | $pt | $(awk -v a="$pv" -v b="$pt" 'BEGIN{printf "%+.1f%%", (a/b-1)*100}') | \`$(grep -A1 "^perplexity " "$v" | tail -1)\` |" >>"$LOGS/parity.rows"
    tail -1 "$LOGS/parity.rows"
  done
fi

if [ "$WHAT" = speed ] || [ "$WHAT" = all ]; then
  gcc -O2 -march=native -pthread "$SHARED/anchors/peak.c" -o "$LOGS/.peak"
  # the best of 5 readings: one reading takes 0.1 s, and a moment's interference on either core halves it
  peak_now() { for i in 1 2 3 4 5; do "$LOGS/.peak" 2; done | grep -o '[0-9.]* GFLOP/s' | awk '$1>m{m=$1} END{print m}'; }
  : > "$LOGS/speed.rows"; : > "$LOGS/peak.txt"
  for job in "${JOBS[@]}"; do
    set -- $job; cell=$1 layers=$2 lr=$3
    v="$LOGS/speed-vecrnn-$cell$layers"; t="$LOGS/speed-torch-$cell$layers"
    # FLOPs per token (multiply-adds x 2): forward, backward through the state and weight gradients, each 2·W
    # for every recurrent or dense input weight W (layer 0's input is a row gather), plus the output layer 6·H·V.
    flops=$(awk -v c="$cell" -v l="$layers" 'BEGIN{H=256; V=28; g=(c=="lstm")?4:(c=="gru")?3:1; print 6*g*H*H + (l-1)*12*g*H*H + 6*H*V}')
    # The host's speed moves by ±10% within minutes, so each of REPS runs is held against the FMA peak read just
    # before and just after it (each the best of 5 readings), the higher of the two; the row gives the median run
    # and the median fraction.
    : > "$v.runs"; : > "$t.runs"
    for rep in $(seq "$REPS"); do
      before=$(peak_now)
      "${VECRNN[@]}" --cell "$cell" --layers "$layers" --hidden 256 --lr "$lr" --epochs "$SPEED_EPOCHS" --threads 2 \
        --quiet --metrics "$v-$rep.csv" --save "$LOGS/.model.safetensors" >"$v-$rep.log" 2>&1
      after=$(peak_now)
      tv=$(median_csv "$v-$rep.csv")
      echo "$tv $before $after" | awk -v f="$flops" '{p=($2>$3)?$2:$3; printf "%s %s %s %.4f\n", $1, $2, $3, $1*f/(p*1e9)}' >>"$v.runs"
      echo "FMA peak, 2 threads, around $cell$layers run $rep: $before and $after GFLOP/s" >>"$LOGS/peak.txt"
      # PyTorch's run after each of vecrnn's, so that the two sides see the same stretches of the host's noise
      "${TORCH[@]}" --concise --cell "$cell" --layers "$layers" --hidden 256 --lr "$lr" --epochs "$(( SPEED_EPOCHS / 3 ))" --threads 2 --log-every 1 >"$t-$rep.log" 2>&1
      median_torch "$t-$rep.log" >>"$t.runs"
    done
    tv=$(awk '{print $1}' "$v.runs" | sort -g | awk '{a[n++]=$1} END{print a[int((n-1)/2)]}')
    frac=$(awk '{print $4}' "$v.runs" | sort -g | awk '{a[n++]=$1} END{print a[int((n-1)/2)]}')
    fracs=$(awk '{printf "%s%.1f", (NR>1?", ":""), 100*$4}' "$v.runs")
    peaks=$(awk '{print $2; print $3}' "$v.runs" | sort -g | awk '{a[n++]=$1} END{printf "%.0f–%.0f", a[0], a[n-1]}')
    tt=$(sort -g "$t.runs" | awk '{a[n++]=$1} END{print a[int((n-1)/2)]}')
    echo "| $cell | $layers | $(printf %.0f "$tv") | $(printf %.0f "$tt") | $(awk -v a="$tv" -v b="$tt" 'BEGIN{printf "%.2f", a/b}')x | $(awk -v f="$flops" 'BEGIN{printf "%.2f", f/1e6}') | $peaks | $fracs | **$(awk -v x="$frac" 'BEGIN{printf "%.1f%%", 100*x}')** |" >>"$LOGS/speed.rows"
    tail -1 "$LOGS/speed.rows"
  done
fi

# the hand-written reading of the numbers, from its heading to the end, survives a rerun
NOTES=$(sed -n '/^## Reading the numbers/,$p' results/cells.md 2>/dev/null || true)
{
  echo "# GRU, LSTM and deep RNNs (d2l 9.1-9.3): parity and speed against PyTorch"
  echo
  echo "Made by \`REPS=$REPS bash bench/cells.sh $WHAT $PARITY_EPOCHS $SPEED_EPOCHS\` on $(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs;"
  echo "vecrnn on $("$JDK25/bin/java" -version 2>&1 | head -1), 2 threads; PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') on OpenBLAS"
  echo "($(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 -c 'import ctypes,torch; l=ctypes.CDLL("libopenblas.so.0"); l.openblas_get_corename.restype=ctypes.c_char_p; print(l.openblas_get_corename().decode())') kernels), 2 threads. Logs in results/logs/cells/."
  echo
  echo "## Parity: perplexity after $PARITY_EPOCHS epochs (d2l's settings, The Time Machine, first 10,000 characters)"
  echo
  echo "vecrnn: \`train --cell C --layers L --hidden 256 --lr LR --epochs $PARITY_EPOCHS --threads 2\`; PyTorch: \`d2l_torch.py --cell C --layers L --hidden 256 --lr LR --epochs $PARITY_EPOCHS --threads 1\` (d2l's scratch model). A finished log is reused unless FRESH=1."
  echo
  echo "| cell | layers | lr | vecrnn | PyTorch (scratch) | difference | vecrnn's prediction |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  cat "$LOGS/parity.rows" 2>/dev/null || true
  echo
  echo "## Speed: tokens/sec, median over the second half of the epochs"
  echo
  echo "vecrnn: \`train ... --epochs $SPEED_EPOCHS --threads 2 --metrics\`, $REPS runs (the median run's tokens/sec); PyTorch: \`d2l_torch.py --concise ... --epochs $(( SPEED_EPOCHS / 3 )) --threads 2 --log-every 1\` (nn.GRU / nn.LSTM), a run after each of vecrnn's (the median run's tokens/sec)."
  echo "Of the ceiling: tokens/sec × FLOPs per token over the FMA peak on 2 threads (\`peak.c\`), read just before and just after each run (each the best of 5 readings), the higher of the two; each run's fraction, and their median in bold."
  echo
  echo "| cell | layers | vecrnn tok/s | PyTorch nn tok/s | ratio | MFLOP/token | peak readings GFLOP/s | of ceiling, each run % | median |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  cat "$LOGS/speed.rows" 2>/dev/null || true
  if [ -n "$NOTES" ]; then printf '\n%s\n' "$NOTES"; fi
} > results/cells.md.tmp && mv results/cells.md.tmp results/cells.md
echo "wrote results/cells.md"
