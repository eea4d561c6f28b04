"""vecrnn's GEMM against OpenBLAS on the same shapes, in alternating rounds: OpenBLAS (cblas_sgemm, this script's
process, bench/openblas_sgemm.py's set-up) then GemmBench.simd (a JMH fork), again and again. The host's speed
drifts by ±10% within minutes, so two tables taken minutes apart cannot tell 0.95x from 1.05x; each round's ratio
compares two measurements seconds apart, and the median over the rounds is the figure.

  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/gemm_duel.py \\
      [--rounds 5] [--shapes 512x1120x512,...] [--layouts NN,TN] [--java .../bin/java]

Needs bench/target/benchmarks.jar (mvn package). One thread on both sides; holds /tmp/vecrnn-bench.lock. Each round
also reads the FMA peak on one thread (../shared/anchors/peak.c) before and after it, for vecrnn's % of peak."""
import argparse, csv, fcntl, os, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import openblas_sgemm as ob  # noqa: E402  (its shape parsing and set-up checks)

ROOT = os.path.dirname(HERE)


def blas_layout(layout):
    """OpenBLAS's layout for one of ours: NP (B in packed panels, as the recurrent products run) against NN."""
    return "NN" if layout == "NP" else layout


def peak(binary):
    """The FMA peak on one thread now (../shared/anchors/peak.c), GFLOP/s: the best of 3 readings of 0.1 s each."""
    runs = (subprocess.run([binary, "1"], capture_output=True, text=True, check=True).stdout for _ in range(3))
    return max(float(out.split(" GFLOP/s")[0].split()[-1]) for out in runs)


def blas_rates(blas, shapes, layouts):
    import numpy as np
    rng = np.random.default_rng(42)
    return {(spec, ours): ob.sgemm_rate(blas, spec, blas_layout(ours), rng) for spec in shapes for ours in layouts}


def vecrnn_rates(java, shapes, layouts):
    with tempfile.NamedTemporaryFile(suffix=".csv") as f:
        subprocess.run([java, "-jar", os.path.join(ROOT, "bench/target/benchmarks.jar"), "GemmBench.simd",
                        "-p", "shape=" + ",".join(shapes), "-p", "layout=" + ",".join(layouts),
                        "-wi", "3", "-i", "5", "-f", "1", "-w", "500ms", "-r", "500ms", "-rf", "csv", "-rff", f.name],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rows = list(csv.DictReader(open(f.name)))
    out = {}
    for r in rows:
        spec, layout = r["Param: shape"], r["Param: layout"]
        m, k, n, *_ = ob.parse(spec, blas_layout(layout))
        out[spec, layout] = 2.0 * m * k * n / float(r["Score"]) / 1e3  # Score: µs per call
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--shapes", default="512x1120x512,512x560x512,256x560x256:ldb1024,1024x1024x1024")
    ap.add_argument("--layouts", default="NN,TN")
    ap.add_argument("--java", default="/usr/lib/jvm/temurin-25-jdk-amd64/bin/java")
    ap.add_argument("--peak", default=os.path.join(ROOT, "bench/target/peak"),
                    help="peak.c built with -march=native (built here from ../shared/anchors/peak.c if missing)")
    args = ap.parse_args()
    blas, header = ob.open_openblas(1)
    shapes, layouts = args.shapes.split(","), args.layouts.split(",")
    if not os.path.exists(args.peak):
        subprocess.run(["gcc", "-O2", "-march=native", "-pthread", os.path.join(os.path.dirname(ROOT), "shared/anchors/peak.c"),
                        "-o", args.peak], check=True)
    print("# %s; vecrnn GemmBench.simd on %s; %s"
          % (header, subprocess.run([args.java, "-version"], capture_output=True, text=True).stderr.splitlines()[0],
             time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime())))
    ratios = {key: [] for key in ((s, l) for s in shapes for l in layouts)}
    with open("/tmp/vecrnn-bench.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for r in range(args.rounds):
            before = peak(args.peak)
            o = blas_rates(blas, shapes, layouts)
            v = vecrnn_rates(args.java, shapes, layouts)
            top = max(before, peak(args.peak))  # the higher of the readings around the round
            for key in ratios:
                ratios[key].append((v[key], o[key], top))
                print("round %d %-22s %s vecrnn %6.1f OpenBLAS %6.1f GFLOP/s  %.3fx  peak %.1f: %.0f%%"
                      % (r + 1, key[0], key[1], v[key], o[key], v[key] / o[key], top, 100 * v[key] / top))
            sys.stdout.flush()
    print("\nOpenBLAS runs NN where vecrnn runs NP. % of peak: vecrnn's GFLOP/s over the higher of the one-thread peak"
          " readings before and after its round.\n")
    print("| shape | layout | vecrnn GFLOP/s | OpenBLAS GFLOP/s | ratio per round | median ratio | % of peak, median |")
    print("| --- | --- | ---: | ---: | --- | ---: | ---: |")
    for (s, l), runs in ratios.items():
        rs = [a / b for a, b, _ in runs]
        print("| %s | %s | %.1f | %.1f | %s | **%.2fx** | %.0f%% |" % (
            s, l, statistics.median(a for a, _, _ in runs), statistics.median(b for _, b, _ in runs),
            " ".join("%.2f" % x for x in rs), statistics.median(rs), 100 * statistics.median(a / p for a, _, p in runs)))


if __name__ == "__main__":
    main()
