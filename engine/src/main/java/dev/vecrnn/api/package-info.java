/**
 * vecrnn's Java API: train, load, save, sample from and evaluate character-level recurrent language models
 * (d2l 8.5's RNN, and GRU, LSTM and deep variants) on the CPU.
 *
 * <pre>{@code
 * LanguageModel model = LanguageModel.trainer()
 *         .corpus(Path.of("timemachine.txt"))      // d2l 8.5's defaults for everything else
 *         .onEpoch(e -> { System.out.println(e.perplexity()); return true; })
 *         .train();
 * System.out.println(model.generate("time traveller", 50));
 * model.save(Path.of("model.safetensors"));
 * }</pre>
 *
 * <p>{@link dev.vecrnn.api.LanguageModel} is the entry point. This package is the only supported one: the
 * engine's other packages ({@code dev.vecrnn.kernels}, {@code model}, {@code data}, {@code train},
 * {@code optim}, {@code generate}, {@code io}) are internal and may change in any release. The command-line
 * tool's {@code predict} and {@code eval} are built on this package.
 */
package dev.vecrnn.api;
