package dev.vecrnn.cli;

/** A failure the user can fix; its message is printed as one line, without a stack trace. */
final class UserException extends RuntimeException {
    final int exitCode;

    UserException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    static UserException usage(String message) {
        return new UserException(message, ExitCode.USAGE);
    }

    static UserException failure(String message) {
        return new UserException(message, ExitCode.FAILURE);
    }
}
