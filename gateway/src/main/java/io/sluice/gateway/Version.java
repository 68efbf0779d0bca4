package io.sluice.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build's version, written into the jar by Maven resource filtering. */
final class Version {
    private Version() {
    }

    static String current() {
        try (InputStream in = Version.class.getResourceAsStream("/sluice-version.properties")) {
            final Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
