package io.sluice.codec.proto;

import java.io.IOException;

/** JSON that is not the message it should be; the message names the field, fit for the client. */
public final class ProtoJsonException extends IOException {
    public ProtoJsonException(String message) {
        super(message);
    }
}
