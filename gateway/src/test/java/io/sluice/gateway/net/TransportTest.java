package io.sluice.gateway.net;

import io.netty.channel.uring.IoUring;
import io.sluice.gateway.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which transport a setting gives, and the kernel versions from which {@code auto} takes io_uring. */
class TransportTest {

    @ParameterizedTest(name = "{0} >= {1}.{2}: {3}")
    @CsvSource({
            "6.18.44-fc-v1045, 5, 12, true",
            "5.15.0-91-generic, 5, 12, true",
            "5.12.0, 5, 12, true",
            "5.11.22-amd64, 5, 12, false",
            "5.10.0-28-amd64, 5, 12, false",
            "4.19.0, 5, 12, false",
            "'', 5, 12, false",
            "unknown, 5, 12, false"})
    void kernelVersionsAreComparedByMajorThenMinor(String osVersion, int major, int minor, boolean expected) {
        assertEquals(expected, Transport.kernelAtLeast(osVersion, major, minor));
    }

    @Test
    void eachNamedTransportIsTheOneAskedFor() {
        assertEquals("nio", Transport.choose("nio").name());
        if (IoUring.isAvailable()) {
            assertEquals("io_uring", Transport.choose("io_uring").name());
        } else {
            final ConfigException refused = assertThrows(ConfigException.class, () -> Transport.choose("io_uring"));
            assertTrue(refused.getMessage().startsWith("server.transport: io_uring is not available here"));
        }
    }
}
