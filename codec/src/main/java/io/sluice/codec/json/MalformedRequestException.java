package io.sluice.codec.json;

/** A request body that is not the JSON object Sluice can route; the message is fit for the client. */
public final class MalformedRequestException extends Exception {
    public MalformedRequestException(String message) {
        super(message, null, false, false);
    }
}
