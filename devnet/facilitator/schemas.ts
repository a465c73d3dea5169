/**
 * Request body shapes of the facilitator, checked once at the door. A body that fails here is a
 * client bug (400 `{ error }`); a well-formed payment that is not acceptable is a verify/settle
 * answer with a reason code (200), as in the x402 facilitator API.
 */
import { getAddress, isAddress } from 'viem';
import { z } from 'zod';

/** Zod error callback: "is required" when the field is absent, `text` when it has the wrong shape. */
function expect(text: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : text);
}

const address = z
  .string({ error: expect('must be a 0x-prefixed 20-byte hex address') })
  .refine((v) => isAddress(v, { strict: false }), 'must be a 0x-prefixed 20-byte hex address')
  .transform((v) => getAddress(v));

const txHash = z
  .string({ error: expect('must be a 0x-prefixed 32-byte hex transaction hash') })
  .regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex transaction hash')
  .transform((v) => v.toLowerCase() as `0x${string}`);

/** Base units as a decimal string ("1000000"), strictly positive, at most 78 digits (uint256). */
const positiveBaseUnits = z
  .string({ error: expect('must be a base-unit integer string, e.g. "1000000"') })
  .regex(/^[0-9]{1,78}$/, 'must be a base-unit integer string, e.g. "1000000"')
  .transform((v) => BigInt(v))
  .refine((v) => v > 0n && v < 2n ** 256n, 'must be greater than 0 and fit in uint256');

const UNIX_SECONDS = 'must be an integer number of unix seconds';
/** Unix seconds; SDKs send a number, some clients a numeric string: both are accepted. */
const unixSeconds = z
  .union([z.number().int(UNIX_SECONDS).nonnegative(UNIX_SECONDS), z.string().regex(/^[0-9]{1,12}$/, UNIX_SECONDS)], {
    error: expect(UNIX_SECONDS),
  })
  .transform((v) => Number(v));

export const createSessionBody = z.object({
  approvalTxHash: txHash,
  user: address,
  asset: address,
  recipient: address,
  cap: positiveBaseUnits,
  expiresAt: unixSeconds,
  network: z.string({ error: expect('must be a network string such as "eip155:84532"') }).min(1, 'must not be empty'),
});
export type CreateSessionBody = z.infer<typeof createSessionBody>;

/**
 * `PATCH /sessions/:id` (our top-up, not the peers': devnet/README.md): the new cap and expiry, and
 * a fresh approve by the session's user that covers what the session may then still pull.
 */
export const topUpSessionBody = z.object({
  approvalTxHash: txHash,
  cap: positiveBaseUnits,
  expiresAt: unixSeconds,
});
export type TopUpSessionBody = z.infer<typeof topUpSessionBody>;

/** Only the fields the session scheme reads; everything else is passed through untouched. */
const requirements = z.looseObject({
  scheme: z.string({ error: expect('must be a string') }).min(1, 'must not be empty'),
  network: z.string({ error: expect('must be a string') }).min(1, 'must not be empty'),
  asset: z.string({ error: expect('must be a string') }),
  payTo: z.string({ error: expect('must be a string') }),
  amount: z.string({ error: expect('must be a string') }).optional(),
  maxAmountRequired: z.string({ error: expect('must be a string') }).optional(),
});

const payload = z.looseObject({
  x402Version: z.number().int().optional(),
  // v1 payloads carry scheme/network at the top level; v2 payloads carry them in `accepted`.
  scheme: z.string().optional(),
  network: z.string().optional(),
  accepted: z.looseObject({ scheme: z.string(), network: z.string() }).optional(),
  payload: z.record(z.string(), z.unknown()).optional(),
});

export const paymentBody = z
  .looseObject({
    x402Version: z.number().int().optional(),
    paymentPayload: payload,
    paymentRequirements: requirements,
  })
  .superRefine((body, ctx) => {
    const version = body.paymentPayload.x402Version ?? body.x402Version;
    if (version !== 1 && version !== 2) {
      ctx.addIssue({ code: 'custom', path: ['x402Version'], message: 'must be 1 or 2 (in the body or in paymentPayload)' });
      return;
    }
    const field = version === 1 ? 'maxAmountRequired' : 'amount';
    if (body.paymentRequirements[field] === undefined) {
      ctx.addIssue({ code: 'custom', path: ['paymentRequirements', field], message: `is required for x402 v${version}` });
    }
  });
export type PaymentBody = z.infer<typeof paymentBody>;

/** "field.path: message" for the first problem, which is what a developer needs to fix first. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid body';
  const path = issue.path.join('.');
  // Zod's own wording for an absent nested object; say it the way the other fields do.
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return `${path || 'body'}: is required`;
  return path ? `${path}: ${issue.message}` : issue.message;
}
