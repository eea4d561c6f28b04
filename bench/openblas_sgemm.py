"""OpenBLAS SGEMM, called directly (cblas_sgemm through ctypes, the library PyTorch loads), on every shape of
the GEMM registry (engine/.../kernels/GemmShapes.java), with the same leading dimensions and layouts as
GemmBench: median GFLOP/s, one thread unless --threads says otherwise.

Run it as bench/run.sh does, with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset so OpenBLAS picks this CPU's own
kernels:  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/openblas_sgemm.py
The first lines record the kernel OpenBLAS chose (openblas_get_corename) and the libblas alternative; the
script stops with exit 1 if torch is not on OpenBLAS or a forcing variable is set."""
import argparse, ctypes, os, re, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGISTRY = os.path.join(ROOT, "engine/src/main/java/dev/vecrnn/kernels/GemmShapes.java")


def shapes():
    src = open(REGISTRY).read()
    body = src[src.index("List.of(", src.index("ALL =")):]
    body = body[:body.index(");")]
    body = re.sub(r"//[^\n]*", "", body)
    return re.findall(r'"([^"]+)"', body)


def parse(spec, layout):
    """(m, k, n, lda, ldb, ldc) as GemmShapes.parse does."""
    parts = spec.split(":")
    m, k, n = map(int, parts[0].split("x"))
    ld = {"lda": m if layout == "TN" else k, "ldb": k if layout == "NT" else n, "ldc": n}
    for p in parts[1:]:
        ld[p[:3]] = max(ld[p[:3]], int(p[3:]))
    return m, k, n, ld["lda"], ld["ldb"], ld["ldc"]


def open_openblas(threads):
    """The OpenBLAS that torch loads, set to `threads`, and a header line naming it; exits unless torch runs on
    OpenBLAS with this CPU's own kernels."""
    forced = [v for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ]
    if forced:
        sys.exit("unset %s: they force OpenBLAS off this CPU's own kernels" % " and ".join(forced))
    alt = subprocess.run(["update-alternatives", "--query", "libblas.so.3-x86_64-linux-gnu"],
                         capture_output=True, text=True).stdout
    value = re.search(r"^Value: (.*)$", alt, re.M)
    if not value or "openblas" not in value.group(1):
        sys.exit("libblas.so.3 is not OpenBLAS (%s): apt-get install -y libopenblas0-openmp"
                 % (value.group(1) if value else "no alternative"))
    import torch  # loads the BLAS torch runs on, so the library timed here is that one
    libs = sorted({l.split()[-1] for l in open("/proc/self/maps") if "libopenblas" in l})
    if not libs:
        sys.exit("torch did not load OpenBLAS")
    blas = ctypes.CDLL(libs[0])
    blas.openblas_get_corename.restype = ctypes.c_char_p
    f, p = ctypes.c_float, ctypes.POINTER(ctypes.c_float)
    blas.cblas_sgemm.argtypes = [ctypes.c_int] * 6 + [f, p, ctypes.c_int, p, ctypes.c_int, f, p, ctypes.c_int]
    blas.openblas_set_num_threads(threads)
    torch.set_num_threads(threads)
    header = ("OpenBLAS %s, core %s, libblas.so.3 -> %s, torch %s, threads=%d"
              % (os.path.basename(libs[0]), blas.openblas_get_corename().decode(), value.group(1), torch.__version__,
                 threads))
    return blas, header


def sgemm_rate(blas, spec, layout, rng):
    """Median GFLOP/s of cblas_sgemm on one GemmShapes spec and layout (NN, NT or TN), over 9 timed batches."""
    import numpy as np
    p = ctypes.POINTER(ctypes.c_float)
    ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112
    m, k, n, lda, ldb, ldc = parse(spec, layout)
    a = rng.uniform(-1, 1, (k if layout == "TN" else m) * lda).astype(np.float32)
    b = rng.uniform(-1, 1, (n if layout == "NT" else k) * ldb).astype(np.float32)
    c = np.zeros(m * ldc, np.float32)
    pa, pb, pc = (x.ctypes.data_as(p) for x in (a, b, c))
    ta = TRANS if layout == "TN" else NO_TRANS
    tb = TRANS if layout == "NT" else NO_TRANS
    call = lambda: blas.cblas_sgemm(ROW_MAJOR, ta, tb, m, n, k, 1.0, pa, lda, pb, ldb, 0.0, pc, ldc)
    flop = 2.0 * m * k * n
    reps = max(3, int(0.2e9 / flop))
    for _ in range(reps): call()
    rates = []
    for _ in range(9):
        t0 = time.perf_counter()
        for _ in range(reps): call()
        rates.append(flop * reps / (time.perf_counter() - t0) / 1e9)
    return statistics.median(rates)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--layouts", default="NN,NT,TN")
    ap.add_argument("--shapes", default="", help="comma-separated specs (default: the whole registry)")
    ap.add_argument("--check", action="store_true", help="only check the set-up and print the header line")
    args = ap.parse_args()
    blas, header = open_openblas(args.threads)
    print("# " + header)
    if args.check:
        return
    import numpy as np
    rng = np.random.default_rng(42)
    for spec in (args.shapes.split(",") if args.shapes else shapes()):
        for layout in args.layouts.split(","):
            print("threads=%d %-22s %s %8.1f GFLOP/s" % (args.threads, spec, layout, sgemm_rate(blas, spec, layout, rng)))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
