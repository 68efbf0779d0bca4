package io.sluice.gateway;

/**
 * The gateway could not start for a reason outside the config file's text (today: its port is taken or cannot be
 * bound); the message is one line fit for an operator, naming the config field to change.
 */
public final class StartException extends RuntimeException {
    public StartException(String message) {
        super(message, null, false, false);
    }
}
