/**
 * Model files: safetensors reading and writing, checkpoints, PyTorch state dicts, atomic writes.
 *
 * <p><b>Internal:</b> not part of vecrnn's API, and may change in any release without notice. Programs should
 * use {@code dev.vecrnn.api}.
 */
package dev.vecrnn.io;
