/**
 * Update rules (SGD, Adam, AdamW, RMSprop) and learning-rate schedules.
 *
 * <p><b>Internal:</b> not part of vecrnn's API, and may change in any release without notice. Programs should
 * use {@code dev.vecrnn.api}.
 */
package dev.vecrnn.optim;
