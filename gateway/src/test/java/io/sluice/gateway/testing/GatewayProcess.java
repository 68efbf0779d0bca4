package io.sluice.gateway.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sluice in a JVM of its own (the test's class path, {@code Main}), for what needs its own heap limit or exit
 * status. Its output is kept for the test to read.
 */
public final class GatewayProcess implements AutoCloseable {
    private final Process process;
    /**
     * Where the process writes its output: a file, not a pipe, because the JDK drains and closes a pipe when the
     * process exits, and a reader racing with that loses the last lines (those of the shutdown).
     */
    private final Path output;

    private GatewayProcess(List<String> command) throws IOException {
        this.output = Files.createTempFile("sluice-process", ".log");
        output.toFile().deleteOnExit();
        this.process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
    }

    /** Runs Main with {@code jvmOptions} and {@code args}; paranoid leak detection is always on. */
    public static GatewayProcess run(List<String> jvmOptions, String... args) throws IOException {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dio.netty.leakDetection.level=paranoid");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.sluice.gateway.Main");
        command.addAll(List.of(args));
        return new GatewayProcess(command);
    }

    /** Starts a gateway on a free port with {@code yaml} (which must use {@code %d} for the port). */
    public static GatewayProcess start(Path dir, String yaml, List<String> jvmOptions) throws Exception {
        final int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        final Path config = dir.resolve("sluice.yaml");
        Files.writeString(config, yaml.formatted(port));
        final GatewayProcess gateway = run(jvmOptions, "--config", config.toString());
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!gateway.output().contains("listening on") && gateway.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(gateway.output().contains("listening on"), "the gateway started:\n" + gateway.output());
        gateway.port = port;
        return gateway;
    }

    private int port;

    public int port() {
        return port;
    }

    /** Sends the process a signal, as {@code kill -NAME} does. */
    public void signal(String name) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor());
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to end and returns its exit status. */
    public int waitFor() throws InterruptedException {
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the process ended");
        return process.exitValue();
    }

    /** The resident memory of the process in KiB, from /proc (Linux), or -1. */
    public long residentKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    public String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "[output lost: " + e + "]";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
