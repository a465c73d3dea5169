/**
 * Errors the devnet can raise while starting or running. Each has a stable `code` so the CLI
 * and tests branch on codes, never on message text; messages say what to do.
 */
export type DevnetErrorCode =
  | 'PORT_IN_USE'
  | 'LISTEN_FAILED'
  | 'BAD_OPTION'
  | 'CHAIN_MISMATCH'
  | 'FACILITATOR_UNSUPPORTED';

export class DevnetError extends Error {
  override readonly name: string = 'DevnetError';
  constructor(
    readonly code: DevnetErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A fixed port is taken. `label` names the component so the one-line error is actionable. */
export class PortInUseError extends DevnetError {
  override readonly name = 'PortInUseError';
  constructor(
    readonly label: string,
    readonly host: string,
    readonly port: number,
  ) {
    super('PORT_IN_USE', `${label}: port ${port} on ${host} is already in use (free it or choose another port)`);
  }
}

/** An option or flag has a value the devnet cannot use. */
export class BadOptionError extends DevnetError {
  override readonly name = 'BadOptionError';
  constructor(message: string) {
    super('BAD_OPTION', message);
  }
}
