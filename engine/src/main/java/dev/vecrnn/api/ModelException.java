package dev.vecrnn.api;

import java.io.IOException;

/**
 * A model file that cannot be used: missing, not a safetensors file, corrupted, or holding tensors that do
 * not make a model. The message says which file and why, in one line, fit to show a user as it is.
 */
public final class ModelException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * A refusal with a one-line reason.
     *
     * @param message which file and why it cannot be used
     * @param cause   the underlying failure, or null
     */
    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
