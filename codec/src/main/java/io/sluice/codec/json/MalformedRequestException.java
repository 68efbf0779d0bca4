package io.sluice.codec.json;

/**
 * A request body that is not the JSON object Sluice can route. The message is fit for the client: it says what is
 * wrong in the request's own terms and quotes none of its bytes.
 */
public final class MalformedRequestException extends Exception {
    /** What kind of fault: the body is not a JSON object, a field has the wrong type, or a field appears twice. */
    public enum Fault { SYNTAX, TYPE, DUPLICATE }

    private final Fault fault;
    private final String param;

    /** The body as a whole is wrong (not JSON, not an object). */
    public MalformedRequestException(String message) {
        this(message, Fault.SYNTAX, null);
    }

    /** @param param the field that is wrong, for the error's {@code param} */
    public MalformedRequestException(String message, Fault fault, String param) {
        super(message, null, false, false);
        this.fault = fault;
        this.param = param;
    }

    public Fault fault() {
        return fault;
    }

    /** The field that is wrong, or null when the body as a whole is. */
    public String param() {
        return param;
    }
}
