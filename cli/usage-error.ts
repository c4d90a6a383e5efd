import { DnsfleetError } from '../dataplane/dns/error';

/** A command line that cannot be run as written: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends DnsfleetError {
  override name = 'UsageError';
}
