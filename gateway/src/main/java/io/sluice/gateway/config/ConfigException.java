package io.sluice.gateway.config;

/** A config that cannot run; the message is one line naming the field, fit to print and exit on. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message, null, false, false);
    }
}
