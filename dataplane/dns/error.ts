/**
 * The base of every dnsfleet error. It sits in the lowest layer so every layer may import it
 * (ADR 0001). Callers that turn "our" errors into a message for a user test `instanceof
 * DnsfleetError` once; anything else (a TypeError, a socket error) is a bug or the platform's and
 * goes on up. Each class keeps its own name and message; `context` carries what the message names
 * (zone, file, line, peer…) as fields, for logs.
 */
export class DnsfleetError extends Error {
  constructor(
    message: string,
    readonly context: Readonly<Record<string, unknown>> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
