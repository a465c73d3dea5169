import { z } from 'zod';
import { MAX_PAYMENT_REQUIRED_HEADER, MAX_PAYMENT_RESPONSE_HEADER, MAX_V1_BODY } from '../x402/limits';

/**
 * Every method a web page can call, with its parameter schema and security class — the one table
 * the router enforces (style.md §4). Anything not here is refused with 4200.
 *
 * Security classes:
 * - `read`:     sees only the caller origin's own data.
 * - `write`:    changes only the caller origin's own data.
 * - `payment`:  the hot path; rate-limited per origin; never prompts by itself.
 * - `approval`: opens the approval window; one pending per origin.
 */
export type SecurityClass = 'read' | 'write' | 'payment' | 'approval';

const decimalUnits = z.string().regex(/^(0|[1-9][0-9]{0,30})(\.[0-9]{1,18})?$/, 'a decimal amount in token units, like "1.00"');
/** Oversized inputs are cut one past the codec's limit by the page script so the codec can name them. */
const clipped = (max: number) => z.string().max(max + 1).nullable();

export const RequestSessionParams = z.strictObject({
  network: z.string().min(1).max(64),
  asset: z.string().min(1).max(128).optional(),
  cap: decimalUnits,
  expiresIn: z.int().min(60).max(30 * 24 * 3600),
  recipient: z.string().min(1).max(128),
  facilitatorUrl: z.string().min(1).max(2048),
  scheme: z.literal('session').optional(),
  perCallMax: decimalUnits.optional(),
});
export type RequestSessionParams = z.infer<typeof RequestSessionParams>;

export const PayParams = z.strictObject({
  url: z.string().max(8192),
  method: z.string().regex(/^[A-Za-z]{1,16}$/),
  paymentRequired: clipped(MAX_PAYMENT_REQUIRED_HEADER),
  body: clipped(MAX_V1_BODY),
  /** The original request already carried a payment header: never pay it again. */
  hadPayment: z.boolean(),
  /** The page's random id for this paid call: a re-sent `pay` reuses the reservation. */
  attemptId: z.string().regex(/^[0-9a-f]{16,64}$/).optional(),
});
export type PayParams = z.infer<typeof PayParams>;

export const PrepayParams = z.strictObject({
  url: z.string().max(8192),
  method: z.string().regex(/^[A-Za-z]{1,16}$/),
  attemptId: z.string().regex(/^[0-9a-f]{16,64}$/),
});
export type PrepayParams = z.infer<typeof PrepayParams>;

export const CancelParams = z.strictObject({ attemptId: z.string().regex(/^[0-9a-f]{16,64}$/) });
export type CancelParams = z.infer<typeof CancelParams>;

export const ReportParams = z.strictObject({
  ticket: z.string().min(1).max(64),
  /** HTTP status of the paid retry; 0 when the retry failed at the network level. */
  status: z.int().min(0).max(999),
  paymentResponse: clipped(MAX_PAYMENT_RESPONSE_HEADER),
  paymentRequired: clipped(MAX_PAYMENT_REQUIRED_HEADER),
  /** false: the retry was never sent (aborted first), so nothing can have settled. */
  sent: z.boolean().optional(),
});
export type ReportParams = z.infer<typeof ReportParams>;

export const PAGE_METHODS = {
  requestSession: { params: RequestSessionParams, security: 'approval' },
  getSessions: { params: z.strictObject({}), security: 'read' },
  endSession: { params: z.strictObject({ id: z.string().min(1).max(64) }), security: 'write' },
  pay: { params: PayParams, security: 'payment' },
  report: { params: ReportParams, security: 'payment' },
  /** Pre-emptive payment for a route this origin already paid. */
  prepay: { params: PrepayParams, security: 'payment' },
  /** The page gave up on an attempt whose `pay` reply it never received. */
  cancel: { params: CancelParams, security: 'payment' },
  /** Register this frame for `sessionChanged` pushes. */
  subscribe: { params: z.strictObject({}), security: 'read' },
} as const satisfies Record<string, { params: z.ZodType; security: SecurityClass }>;

export type PageMethod = keyof typeof PAGE_METHODS;
export type PageParams<M extends PageMethod> = z.infer<(typeof PAGE_METHODS)[M]['params']>;

export function isPageMethod(name: unknown): name is PageMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(PAGE_METHODS, name);
}
