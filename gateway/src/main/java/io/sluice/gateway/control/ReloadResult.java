package io.sluice.gateway.control;

import java.util.List;

/**
 * What a reload did.
 *
 * @param version         the config version now running
 * @param restartRequired the changed fields that take effect only at the next start ({@code server.port}, ...)
 */
public record ReloadResult(long version, List<String> restartRequired) {
}
