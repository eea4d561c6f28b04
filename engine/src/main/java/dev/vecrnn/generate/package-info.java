/**
 * Text generation: batched, threaded one-step forwards and keyed sampling.
 *
 * <p><b>Internal:</b> not part of vecrnn's API, and may change in any release without notice. Programs should
 * use {@code dev.vecrnn.api}.
 */
package dev.vecrnn.generate;
