package io.sluice.gateway;

import io.sluice.gateway.config.ConfigLoader;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.testing.GatewayProcess;
import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.InMemoryUsageSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line, run as a real process, and the shipped default config, run as shipped. */
class MainTest {

    @Test
    void versionAndHelp() throws Exception {
        final GatewayProcess version = GatewayProcess.run(List.of(), "--version");
        assertEquals(0, version.waitFor());
        assertTrue(version.output().matches("sluice \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\n"), version.output());
        final GatewayProcess help = GatewayProcess.run(List.of(), "--help");
        assertEquals(0, help.waitFor());
        assertTrue(help.output().startsWith("Usage: java -jar sluice.jar [--config PATH]"), help.output());
    }

    @Test
    void aBadConfigStopsStartUpWithOneLineNamingTheField(@TempDir Path dir) throws Exception {
        final Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "server: { port: 70000 }\nproviders: [ { id: d, type: demo, models: { d: d } } ]\n");
        final GatewayProcess process = GatewayProcess.run(List.of(), "--config", config.toString());
        assertEquals(2, process.waitFor());
        assertEquals("sluice: config error: server.port: 70000 is outside 0..65535\n", process.output());
    }

    @Test
    void aMissingConfigOrAnUnknownArgumentIsAnErrorToo(@TempDir Path dir) throws Exception {
        final GatewayProcess missing = GatewayProcess.run(List.of(), "--config", dir.resolve("none.yaml").toString());
        assertEquals(2, missing.waitFor());
        assertTrue(missing.output().endsWith("none.yaml: no such config file\n"), missing.output());
        final GatewayProcess unknown = GatewayProcess.run(List.of(), "--verbose");
        assertEquals(2, unknown.waitFor());
        assertEquals("sluice: unknown argument '--verbose' (see --help)\n", unknown.output());
    }

    @Test
    void theShippedConfigServesTheDemoModelWithNoKeyAndNoNetwork() throws Exception {
        final Path shipped = Path.of(System.getProperty("sluice.project.dir"), "conf", "sluice.yaml");
        final SluiceConfig config = ConfigLoader.load(shipped, Map.of("SLUICE_PORT", "0"));
        final InMemoryUsageSink usage = new InMemoryUsageSink();
        try (Sluice sluice = Sluice.start(config, List.of(usage))) {
            final URI base = URI.create("http://127.0.0.1:" + sluice.address().getPort());
            assertEquals("{\"status\":\"ok\"}", Http.get(base.resolve("/health")).body());
            assertTrue(Http.get(base.resolve("/v1/models")).body().contains("\"id\":\"demo\""));
            final HttpResponse<byte[]> stream = Http.post(base.resolve("/v1/chat/completions"),
                    "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}");
            final String text = Http.text(stream);
            assertTrue(text.startsWith("data: {\"id\":\"chatcmpl-demo-"), text);
            assertTrue(text.endsWith("data: [DONE]\n\n"), text);
            assertTrue(usage.take().completionTokens() > 0);
        }
    }

    @Test
    void aPortInUseIsOneLineNamingTheField(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            final Path config = dir.resolve("taken.yaml");
            Files.writeString(config, "server: { port: " + taken.getLocalPort() + " }\n"
                    + "providers: [ { id: d, type: demo, models: { d: d } } ]\n");
            final GatewayProcess process = GatewayProcess.run(List.of(), "--config", config.toString());
            assertEquals(1, process.waitFor());
            assertEquals("sluice: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": address already in use "
                    + "(server.host, server.port; SLUICE_HOST, SLUICE_PORT)\n", process.output());
        }
    }

    @Test
    void theStartLineNamesTheConfigAndAStopSaysWhatItDrained(@TempDir Path dir) throws Exception {
        final GatewayProcess gateway = GatewayProcess.start(dir, "server: { port: %d }\n"
                + "providers: [ { id: d, type: demo, models: { d: d } } ]\n", List.of());
        gateway.close();
        assertTrue(gateway.output().contains("config " + dir.resolve("sluice.yaml") + ")"), gateway.output());
        assertTrue(gateway.output().contains("stopped in "), gateway.output());
        assertTrue(gateway.output().contains("0 requests were in flight"), gateway.output());
    }
}
