/**
 * daydreams `upto` limit signals (x402-protocol.md §6.5): after a permit was sent, a paid call
 * may get, instead of the resource, a JSON body `{ error, message, sessionId }` with **no**
 * `PAYMENT-REQUIRED` header. Only look for one when the response carries no `PAYMENT-REQUIRED`
 * (that one is a standard 402 and wins).
 *
 * | error                  | HTTP | what the wallet should do                         |
 * |------------------------|------|---------------------------------------------------|
 * | `cap_exhausted`        | 402  | stop; ask the person before signing a new permit  |
 * | `session_closed`       | 402  | stop; ask the person before signing a new permit  |
 * | `settling_in_progress` | 409  | retry the same call after a short delay           |
 * | `invalid_payload`      | 400  | stop; the permit is unusable here                 |
 */
export type UptoLimitError = 'cap_exhausted' | 'session_closed' | 'settling_in_progress' | 'invalid_payload';

export type UptoLimitAction = 'reauthorize' | 'retry_later' | 'give_up';

export interface UptoLimitSignal {
  error: UptoLimitError;
  status: 400 | 402 | 409;
  action: UptoLimitAction;
  /** The server's text: show it only as untrusted text. */
  message?: string;
  sessionId?: string;
}

const SIGNALS: Readonly<Record<UptoLimitError, { status: 400 | 402 | 409; action: UptoLimitAction }>> = {
  cap_exhausted: { status: 402, action: 'reauthorize' },
  session_closed: { status: 402, action: 'reauthorize' },
  settling_in_progress: { status: 409, action: 'retry_later' },
  invalid_payload: { status: 400, action: 'give_up' },
};

const MAX_MESSAGE = 1024;
const SESSION_ID = /^[0-9a-f]{64}$/;

/**
 * The limit signal in a response (its status and parsed JSON body), or null when it is not one:
 * an unknown `error`, a status that does not go with it, or a body that is not such an object.
 */
export function parseUptoLimitSignal(status: number, body: unknown): UptoLimitSignal | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { error, message, sessionId } = body as Record<string, unknown>;
  if (typeof error !== 'string' || !Object.prototype.hasOwnProperty.call(SIGNALS, error)) return null;
  const known = SIGNALS[error as UptoLimitError];
  if (known.status !== status) return null;
  return {
    error: error as UptoLimitError,
    status: known.status,
    action: known.action,
    ...(typeof message === 'string' ? { message: message.slice(0, MAX_MESSAGE) } : {}),
    ...(typeof sessionId === 'string' && SESSION_ID.test(sessionId) ? { sessionId } : {}),
  };
}
