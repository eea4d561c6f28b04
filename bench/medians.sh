# Sourced by bench/train.sh and bench/cells.sh: tokens/sec medians over the second half of a run's epochs
# (after JIT warm-up), since one 40 ms epoch swings by ±30% on a shared machine.

# the median of the second half of the numbers on stdin, one per line, in run order
median_half() { awk '{a[n++]=$1} END{for(i=int(n/2);i<n;i++) print a[i]}' | sort -g | awk '{a[n++]=$1} END{print a[int((n-1)/2)]}'; }
# from a vecrnn --metrics CSV (column 4, tokens_per_sec)
median_csv() { awk -F, 'NR>1 && $4!=""{print $4}' "$1" | median_half; }
# from a ../shared/anchors/d2l_torch.py log run with --log-every 1 (its per-epoch "N tok/s")
median_torch() { awk '/^epoch /{for(i=1;i<=NF;i++) if($i=="tok/s") print $(i-1)}' "$1" | median_half; }
