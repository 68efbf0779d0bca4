package io.sluice.gateway;

/**
 * The gateway could not start for a reason outside the config file's text (a port already taken, a certificate
 * that does not load); the message is one line fit for an operator, naming the config field to change.
 */
public final class StartException extends RuntimeException {
    public StartException(String message) {
        super(message, null, false, false);
    }
}
