package io.sluice.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The real provider responses of {@code ../shared/wire}, kept as test resources under {@code wire/}. */
public final class WireSamples {
    private WireSamples() {
    }

    /** The bytes of one sample file, exactly as recorded. */
    public static byte[] bytes(String name) {
        try (InputStream in = WireSamples.class.getResourceAsStream("/wire/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no wire sample named " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
