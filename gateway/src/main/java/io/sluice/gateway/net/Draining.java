package io.sluice.gateway.net;

/**
 * The user event a shutdown fires through every client connection: finish what is running, take nothing new.
 * HTTP/1.1 connections close once idle, HTTP/2 connections send GOAWAY, WebSockets refuse new requests.
 */
public final class Draining {
    public static final Draining INSTANCE = new Draining();

    private Draining() {
    }
}
