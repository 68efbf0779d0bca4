package io.sluice.gateway.admission;

/** What a step of the admission chain decided: who the caller is, that the request may go on, or a refusal. */
public sealed interface Verdict permits Caller, Ticket, Refusal {
}
