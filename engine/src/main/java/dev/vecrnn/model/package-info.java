/**
 * Models: recurrent cells, their stacks, the output layer, and the flat parameter buffers they live in.
 *
 * <p><b>Internal:</b> not part of vecrnn's API, and may change in any release without notice. Programs should
 * use {@code dev.vecrnn.api}.
 */
package dev.vecrnn.model;
