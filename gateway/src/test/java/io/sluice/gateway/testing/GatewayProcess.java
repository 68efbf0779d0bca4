package io.sluice.gateway.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sluice in a JVM of its own (the test's class path, {@code Main}), for what needs its own heap limit or exit
 * status. Its output is kept for the test to read.
 */
public final class GatewayProcess implements AutoCloseable {
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final CountDownLatch listening = new CountDownLatch(1);
    private final CountDownLatch exited = new CountDownLatch(1);

    private GatewayProcess(List<String> command) throws IOException {
        this.process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    output.append(line).append('\n');
                    if (line.contains("listening on")) {
                        listening.countDown();
                    }
                }
            } catch (IOException e) {
                output.append("[output lost: ").append(e).append("]\n");
            } finally {
                exited.countDown();
            }
        }, "gateway-process-output");
        reader.setDaemon(true);
        reader.start();
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
        assertTrue(gateway.listening.await(30, TimeUnit.SECONDS), "the gateway started:\n" + gateway.output());
        gateway.port = port;
        return gateway;
    }

    private int port;

    public int port() {
        return port;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to end and returns its exit status. */
    public int waitFor() throws InterruptedException {
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the process ended");
        exited.await(10, TimeUnit.SECONDS);
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
        return output.toString();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        exited.await(10, TimeUnit.SECONDS);
    }
}
