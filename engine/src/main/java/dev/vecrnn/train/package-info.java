/**
 * Training and evaluation: d2l's {@code train_ch8} loop, the parallel BPTT step and its buffer arena, stream evaluation.
 *
 * <p><b>Internal:</b> not part of vecrnn's API, and may change in any release without notice. Programs should
 * use {@code dev.vecrnn.api}.
 */
package dev.vecrnn.train;
