package io.sluice.gateway.testing;

import io.sluice.gateway.Sluice;
import io.sluice.gateway.config.ConfigLoader;
import io.sluice.gateway.config.EnvResolver;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.control.ConfigFile;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real Sluice on an ephemeral loopback port, started from config text written in the test, with an in-memory
 * usage sink.
 */
public final class TestGateway implements AutoCloseable {
    private final Sluice sluice;
    private final InMemoryUsageSink usage = new InMemoryUsageSink();
    private final boolean tls;

    private TestGateway(String yaml, Path dir) throws InterruptedException {
        final SluiceConfig config = ConfigLoader.parse(yaml, "test config", new EnvResolver(name -> null), dir);
        this.sluice = Sluice.start(config, List.of(usage));
        this.tls = config.server().tls() != null;
    }

    private TestGateway(ConfigFile file) throws InterruptedException {
        final SluiceConfig config = file.load();
        this.sluice = Sluice.start(config, file, List.of(usage));
        this.tls = config.server().tls() != null;
    }

    /** A gateway that runs from {@code file}: it reloads it when it changes, and its admin API writes it. */
    public static TestGateway fromFile(Path file) throws InterruptedException {
        return new TestGateway(new ConfigFile(file, Map.of()));
    }

    /** The gateway itself, to reload it or read its snapshot. */
    public Sluice sluice() {
        return sluice;
    }

    public static TestGateway start(String yaml) throws InterruptedException {
        return new TestGateway(yaml, null);
    }

    public static TestGateway start(String yaml, Path dir) throws InterruptedException {
        return new TestGateway(yaml, dir);
    }

    /**
     * A gateway in front of one backend: provider {@code mock} (type vllm) serves model {@code m} as itself and
     * model {@code fast} as {@code meta/llama-3}.
     *
     * @param providerExtra YAML lines for the provider, indented by four spaces
     */
    public static TestGateway forBackend(URI backend, String providerExtra) throws InterruptedException {
        return start(config(backend, providerExtra, ""));
    }

    /** The same gateway, listening as {@code protocol} needs: with TLS for h2, in cleartext otherwise. */
    public static TestGateway forBackend(URI backend, String providerExtra, Protocol protocol)
            throws InterruptedException {
        return start(config(backend, providerExtra, protocol.tls() ? TestCertificates.serverTlsYaml() : ""));
    }

    public static String config(URI backend, String providerExtra, String serverExtra) {
        return """
                server:
                  host: 127.0.0.1
                  port: 0
                  threads: 2
                %s
                usage:
                  log: false
                providers:
                  - id: mock
                    type: vllm
                    endpoints: [ "%s" ]
                    models:
                      m: m
                      fast: meta/llama-3
                %s
                """.formatted(serverExtra, backend, providerExtra);
    }

    public URI uri(String path) {
        return URI.create((tls ? "https" : "http") + "://127.0.0.1:" + port() + path);
    }

    public int port() {
        return sluice.address().getPort();
    }

    public InMemoryUsageSink usage() {
        return usage;
    }

    /** Stops the gateway, letting requests still running finish for a moment only (tests leave some stalled). */
    @Override
    public void close() throws InterruptedException {
        sluice.close(Duration.ofMillis(200));
    }

    /** Stops the gateway as SIGTERM does, with the configured shutdown timeout. */
    public void shutDown() throws InterruptedException {
        sluice.close();
    }
}
