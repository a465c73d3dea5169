import { z } from 'zod';
import { SettingsPatchSchema, type Settings } from '../settings';
import type { ClearResult, PersonalDataExport } from '../sessions/personal-data';
import type { PublicSessionView, SessionStatus } from '../sessions/types';
import { MAX_PAYMENT_REQUIRED_HEADER, MAX_PAYMENT_RESPONSE_HEADER, MAX_V1_BODY } from '../x402/limits';
import type { ApprovalState } from './approval';
import type { PaymentPrompt, TopUpSupport } from './budgets';
import type { SiteRule } from '../sessions/sites';

/**
 * Every method a web page or an extension page can call: its parameter schema, its result type, its
 * security class and its rate-limit rule — the one table the routers enforce (docs/style.md §2, §4).
 * Anything not here is refused with 4200.
 *
 * Security classes (page methods):
 * - `read`:     sees only the caller origin's own data.
 * - `write`:    changes only the caller origin's own data.
 * - `payment`:  the hot path; never prompts by itself.
 * - `approval`: opens the approval window; one pending per origin.
 * Extension pages (`ui`) are the person's own: validated all the same, never rate-limited.
 */
export type SecurityClass = 'read' | 'write' | 'payment' | 'approval';

/**
 * How a method is rate-limited per origin: from its security class's bucket (`own` gives it its
 * own bucket of that class), and whether a limited call is declined as a value (payments: the page
 * gets its 402) or refused with -32005. `never`: it finishes money already reserved.
 */
export type RateRule = { bucket: 'class' | 'own'; onLimit: 'decline' | 'error' } | 'never';

const decimalUnits = z.string().regex(/^(0|[1-9][0-9]{0,30})(\.[0-9]{1,18})?$/, 'a decimal amount in token units, like "1.00"');
/** Oversized inputs are cut one past the codec's limit by the page script so the codec can name them. */
const clipped = (max: number) => z.string().max(max + 1).nullable();
/** The page's random id of one paid attempt: it names the reservation from `pay` to `report`. */
const attemptId = z.string().regex(/^[0-9a-f]{16,64}$/);
const publicId = z.string().min(1).max(64);

/** "https://api.example" or "http://127.0.0.1:4021": an origin exactly as the browser serialises it. */
function isWebOrigin(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === value;
  } catch {
    return false;
  }
}

export const RequestSessionParams = z.strictObject({
  network: z.string().min(1).max(64),
  asset: z.string().min(1).max(128).optional(),
  cap: decimalUnits,
  expiresIn: z.int().min(60).max(30 * 24 * 3600),
  recipient: z.string().min(1).max(128),
  facilitatorUrl: z.string().min(1).max(2048),
  /** The origins of the APIs the session may pay (shown in the window); default: the page's own. */
  apiOrigins: z
    .array(z.string().max(256).refine(isWebOrigin, 'an http(s) origin like "https://api.example"'))
    .min(1)
    .max(8)
    .optional(),
  /** An x402 scheme id; the registry decides whether it is one the wallet opens. */
  scheme: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
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
  /** A re-sent `pay` (the worker died before replying) gets the same reservation back. */
  attemptId,
});
export type PayParams = z.infer<typeof PayParams>;

export const PrepayParams = z.strictObject({
  url: z.string().max(8192),
  method: z.string().regex(/^[A-Za-z]{1,16}$/),
  attemptId,
});
export type PrepayParams = z.infer<typeof PrepayParams>;

export const ReportParams = z.strictObject({
  attemptId,
  /** false: the paid request was never sent (aborted, or the `pay` reply was lost): free it. */
  sent: z.boolean(),
  /** HTTP status of the paid send; 0 when it failed at the network level (or was not sent). */
  status: z.int().min(0).max(999),
  /** Absent = null (the page script leaves them out when it has none: it is short of bytes). */
  paymentResponse: clipped(MAX_PAYMENT_RESPONSE_HEADER).optional(),
  paymentRequired: clipped(MAX_PAYMENT_REQUIRED_HEADER).optional(),
  /** The JSON body of a refused paid send that carried no PAYMENT-REQUIRED (daydreams `upto` limit signals). */
  body: clipped(MAX_V1_BODY).optional(),
  /** The `x-upto-session-id` header of the paid response (daydreams `upto`'s receipt: it sends no PAYMENT-RESPONSE). */
  uptoSessionId: z.string().max(128).nullable().optional(),
  /** The paid send came back as a redirect (not followed): may it go on, and where? */
  redirected: z.literal(true).optional(),
  /** The URL of that send (the request, or an earlier hop). */
  url: z.string().max(8192).optional(),
});
export type ReportParams = z.infer<typeof ReportParams>;

/** The answer to `pay` / `prepay`: a header to send (its secrets named, to redact from responses), or why not. */
export type PayResult =
  | { pay: true; attemptId: string; header: { name: string; value: string }; redact: string[]; amount: string; session: PublicSessionView }
  | { pay: false; reason: string; message: string; session?: PublicSessionView };

export type ReportResult =
  | { outcome: 'settled'; transaction?: string; amount: string; session: PublicSessionView; route?: string }
  | { outcome: 'failed'; reason: string; message: string; session?: PublicSessionView }
  | { outcome: 'unknown'; reason: string; message: string }
  /** Nothing was counted and the server asks for the same call again: send the same payment after `after` ms, and report on this attempt again (daydreams `settling_in_progress`). */
  | { outcome: 'retry'; reason: string; message: string; after: number }
  /** Follow the redirect with the same payment: same origin, approved. */
  | { outcome: 'redirect'; location: string; method: string };

interface PageSpec {
  params: z.ZodType;
  security: SecurityClass;
  rate: RateRule;
}

export const PAGE_METHODS = {
  requestSession: { params: RequestSessionParams, security: 'approval', rate: { bucket: 'class', onLimit: 'error' } },
  getSessions: { params: z.strictObject({}), security: 'read', rate: { bucket: 'class', onLimit: 'error' } },
  endSession: { params: z.strictObject({ id: publicId }), security: 'write', rate: { bucket: 'class', onLimit: 'error' } },
  pay: { params: PayParams, security: 'payment', rate: { bucket: 'class', onLimit: 'decline' } },
  /** Pre-emptive payment for a route this origin already paid; its own bucket, so asking before each call never eats the `pay`s that follow. */
  prepay: { params: PrepayParams, security: 'payment', rate: { bucket: 'own', onLimit: 'decline' } },
  report: { params: ReportParams, security: 'payment', rate: 'never' },
} as const satisfies Record<string, PageSpec>;

export type PageMethod = keyof typeof PAGE_METHODS;
export type PageParams<M extends PageMethod> = z.infer<(typeof PAGE_METHODS)[M]['params']>;

export interface PageResults {
  requestSession: PublicSessionView;
  getSessions: PublicSessionView[];
  endSession: null;
  pay: PayResult;
  prepay: PayResult;
  report: ReportResult;
}

export const UI_METHODS = {
  'approval.get': { params: z.strictObject({ id: publicId }) },
  'approval.decide': {
    params: z.strictObject({
      id: publicId,
      approve: z.boolean(),
      cap: z.string().regex(/^[1-9][0-9]{0,77}$/).optional(),
      expiresIn: z.int().min(60).optional(),
      perCallMax: z.string().regex(/^[1-9][0-9]{0,77}$/).nullable().optional(),
      /** Budgets (issue 15): renew each day, week or month; `cap` is then the per-period cap. */
      renew: z.enum(['day', 'week', 'month']).optional(),
    }),
  },
  /** The wallet picked among several in the page (`name`), or none: the person declined. */
  'approval.chooseWallet': { params: z.strictObject({ id: publicId, name: z.string().min(1).max(64).nullable() }) },
  /** End a session; `revoke`: also lower its spender's allowance to what other sessions still need (asked in the wallet). */
  'session.end': { params: z.strictObject({ id: publicId, revoke: z.boolean().optional() }) },
  /** Approve again what the session still needs (after a revoke or a replaced allowance); a paused session resumes. */
  'session.reapprove': { params: z.strictObject({ id: publicId }) },
  /** Read the chain for a session now (allowance, balance). */
  'session.check': { params: z.strictObject({ id: publicId }) },
  'session.reconcile': { params: z.strictObject({ id: publicId }) },
  'session.retryRegistration': { params: z.strictObject({ id: publicId }) },
  // Budgets (issue 15):
  /** The payment an "always ask" window shows, and the person's click there. */
  'payment.confirmGet': { params: z.strictObject({ id: publicId }) },
  'payment.confirm': { params: z.strictObject({ id: publicId, pay: z.boolean() }) },
  /** What a top-up of this session may change, and the top-up itself (`cap`: the new total, or per-period cap, base units). */
  'session.topUpInfo': { params: z.strictObject({ id: publicId }) },
  'session.topUp': { params: z.strictObject({ id: publicId, cap: z.string().regex(/^[1-9][0-9]{0,77}$/).optional(), extendBy: z.int().min(0).max(30 * 24 * 3600).optional() }) },
  /** Lower the allowance of a session that already ended (to what the other open sessions need). */
  /** Per-site control: "never ask", "always ask" or the default; a per-call ceiling for new sessions (token units; null removes it). */
  'site.set': {
    params: z.strictObject({
      origin: z.string().max(256).refine(isWebOrigin, 'an http(s) origin'),
      mode: z.enum(['ask', 'never', 'always']).optional(),
      perCallMax: decimalUnits.nullable().optional(),
    }),
  },
  'settings.get': { params: z.strictObject({}) },
  'settings.set': { params: SettingsPatchSchema },
  /** Everything stored, as JSON (bearer session ids left out). */
  'data.export': { params: z.strictObject({}) },
  /** Delete everything. The literal is there so no stray call can do it. */
  'data.clear': { params: z.strictObject({ confirm: z.literal('delete-everything') }) },
} as const satisfies Record<string, { params: z.ZodType }>;

export type UiMethod = keyof typeof UI_METHODS;
export type UiParams<M extends UiMethod> = z.infer<(typeof UI_METHODS)[M]['params']>;

export interface UiResults {
  'approval.get': ApprovalState | null;
  'approval.decide': boolean;
  'approval.chooseWallet': boolean;
  'session.end': { ended: boolean; revoke?: { txHash: string; allowance: string } };
  'session.reapprove': { txHash: string; allowance: string };
  'session.check': boolean;
  'session.reconcile': boolean;
  'session.retryRegistration': SessionStatus | null;
  'payment.confirmGet': PaymentPrompt | null;
  'payment.confirm': boolean;
  'session.topUpInfo': TopUpSupport;
  'session.topUp': { session: PublicSessionView; approvalTx?: string; allowance?: string };
  'site.set': SiteRule | null;
  'settings.get': Settings;
  'settings.set': Settings;
  'data.export': PersonalDataExport;
  'data.clear': ClearResult;
}

/** What serves a table: one function per method, typed by it. */
export type PageHandlers<C> = { [M in PageMethod]: (caller: C, params: PageParams<M>) => Promise<PageResults[M]> };
export type UiHandlers = { [M in UiMethod]: (params: UiParams<M>) => Promise<UiResults[M]> };

export function isPageMethod(name: unknown): name is PageMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(PAGE_METHODS, name);
}

export function isUiMethod(name: unknown): name is UiMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(UI_METHODS, name);
}
