/**
 * The numeric kernels (scalar, and Vector API when {@code jdk.incubator.vector} is present) and their selection.
 *
 * <p><b>Internal:</b> not part of vecrnn's API, and may change in any release without notice. Programs should
 * use {@code dev.vecrnn.api}.
 */
package dev.vecrnn.kernels;
