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
 * rest (the admin key too) and names these. Stateless.
 */
final class RestartFields {
    private RestartFields() {
    }

    /** The fields of those sections that differ, named as in the config file ({@code server.port}). */
    static List<String> between(SluiceConfig running, SluiceConfig next) {
        final List<String> changed = new ArrayList<>();
        differing("server", running.server(), next.server(), changed);
        differing("usage", running.usage(), next.usage(), changed);
        if (!running.admin().host().equals(next.admin().host())) {
            changed.add("admin.host");
        }
        if (running.admin().port() != next.admin().port()) {
            changed.add("admin.port");
        }
        for (SluiceConfig.Provider provider : next.providers()) {
            running.providers().stream().filter(p -> p.id().equals(provider.id())).findFirst()
                    .filter(p -> p.demo() != null && !Objects.equals(p.demo(), provider.demo()))
                    .ifPresent(p -> changed.add("providers." + provider.id() + ".demo"));
        }
        return List.copyOf(changed);
    }

    private static void differing(String section, Record running, Record next, List<String> changed) {
        for (RecordComponent component : running.getClass().getRecordComponents()) {
            try {
                if (!Objects.equals(component.getAccessor().invoke(running), component.getAccessor().invoke(next))) {
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
