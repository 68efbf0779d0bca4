package io.sluice.gateway.control;

import io.sluice.gateway.config.SluiceConfig;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The fields a reload cannot apply to a running gateway, because the listening sockets, event loops, usage
 * pipeline or demo model were built from them at start-up: everything under {@code server} and {@code usage},
 * the admin API's {@code host} and {@code port}, and a demo provider's {@code demo} settings. A reload applies the
 * rest (the admin key too) and names these. They are found against what runs, not against the config before: a
 * change that waits for a restart is named by every reload until a restart or a reload that undoes it. Stateless.
 */
final class RestartFields {
    private RestartFields() {
    }

    /**
     * The fields of those sections that {@code next} sets otherwise than the gateway runs them, named as in the
     * config file ({@code server.port}).
     *
     * @param started the config the gateway started with
     * @param demo    the settings the demo model runs with, or null when it is not started
     */
    static List<String> between(SluiceConfig started, SluiceConfig.Demo demo, SluiceConfig next) {
        final List<String> changed = new ArrayList<>();
        differing("server", started.server(), next.server(), changed);
        differing("usage", started.usage(), next.usage(), changed);
        if (!started.admin().host().equals(next.admin().host())) {
            changed.add("admin.host");
        }
        if (started.admin().port() != next.admin().port()) {
            changed.add("admin.port");
        }
        for (SluiceConfig.Provider provider : next.providers()) {
            if (provider.demo() != null && demo != null && !demo.equals(provider.demo())) {
                changed.add("providers." + provider.id() + ".demo");
            }
        }
        return List.copyOf(changed);
    }

    private static void differing(String section, Record started, Record next, List<String> changed) {
        for (RecordComponent component : started.getClass().getRecordComponents()) {
            try {
                if (!Objects.equals(component.getAccessor().invoke(started), component.getAccessor().invoke(next))) {
                    changed.add(section + "." + snakeCase(component.getName()));
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("a record's accessor is public", e);
            }
        }
    }

    private static String snakeCase(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
