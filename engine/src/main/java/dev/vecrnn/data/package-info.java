/**
 * Text to tokens: d2l's preprocessing and tokenisation, vocabularies, corpora, minibatch iterators, The Time Machine.
 *
 * <p><b>Internal:</b> not part of vecrnn's API, and may change in any release without notice. Programs should
 * use {@code dev.vecrnn.api}.
 */
package dev.vecrnn.data;
