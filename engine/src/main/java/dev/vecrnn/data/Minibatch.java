package dev.vecrnn.data;

/** One minibatch as d2l lays it out: inputs and targets {@code (batch, steps)}, row-major token ids. */
public record Minibatch(int batch, int steps, int[] x, int[] y) {
    public int x(int b, int t) { return x[b * steps + t]; }

    public int y(int b, int t) { return y[b * steps + t]; }
}
