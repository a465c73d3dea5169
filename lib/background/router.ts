import { RpcCode, WalletError, toWalletError, type SerializedWalletError } from '../errors';
import { PAGE_METHODS, isPageMethod, type PageHandlers, type PageMethod, type PageParams, type PageResults, type SecurityClass } from '../messaging/methods';
import { reasonMessage } from '../messaging/reasons';
import { RateLimiter } from './rate-limit';
import type { PageCaller } from './sender';

export type RouterReply = { result: unknown } | { error: SerializedWalletError };

export interface RouterOptions {
  now?: () => number;
  log?: (event: string, data: Record<string, unknown>) => void;
}

/** Why the parameters failed, in one line (the page sees it; no input is echoed back). */
export function paramsError(method: string, issues: readonly { path: PropertyKey[]; message: string }[]): WalletError {
  const issue = issues[0];
  return new WalletError(RpcCode.InvalidParams, 'invalid_params', `Invalid ${method} parameters${issue ? `: ${issue.path.map(String).join('.') || 'params'} ${issue.message}` : ''}.`);
}

/**
 * One router for everything a web page can ask, dispatching from the method table
 * (lib/messaging/methods.ts): schema, security class and rate rule come from there. The caller was
 * derived from the browser's sender before this point; the payload's own claims about origin or
 * identity are never read.
 */
export class PageRouter {
  // A dapp's burst of 200 concurrent paid calls passes; a page firing 1,000 402s a second settles
  // at 50/s, in its own bucket, so other origins are untouched.
  private readonly limits: Record<SecurityClass, RateLimiter>;

  constructor(
    private readonly handlers: PageHandlers<PageCaller>,
    private readonly options: RouterOptions = {},
  ) {
    const now = options.now ?? Date.now;
    this.limits = {
      payment: new RateLimiter(250, 50, now),
      read: new RateLimiter(60, 20, now),
      write: new RateLimiter(20, 5, now),
      approval: new RateLimiter(5, 0.5, now),
    };
  }

  async handle(caller: PageCaller, message: unknown): Promise<RouterReply> {
    try {
      return { result: await this.dispatch(caller, message) };
    } catch (e) {
      const err = toWalletError(e);
      if (err.code === RpcCode.Internal && !(e instanceof WalletError)) {
        this.options.log?.('router.internal_error', { error: e instanceof Error ? e.stack ?? e.message : String(e) });
      }
      return { error: err.toJSON() };
    }
  }

  private async dispatch(caller: PageCaller, message: unknown): Promise<unknown> {
    if (typeof message !== 'object' || message === null) throw new WalletError(RpcCode.InvalidParams, 'invalid_request', 'Malformed request.');
    const { method, params } = message as { method?: unknown; params?: unknown };
    if (!isPageMethod(method)) {
      throw new WalletError(RpcCode.Unsupported, 'unsupported_method', `Unsupported method ${JSON.stringify(String(method).slice(0, 40))}.`);
    }
    return this.run(method, caller, params);
  }

  private async run<M extends PageMethod>(method: M, caller: PageCaller, raw: unknown): Promise<PageResults[M] | { pay: false; reason: 'rate_limited'; message: string }> {
    const spec = PAGE_METHODS[method];
    const parsed = spec.params.safeParse(raw ?? {});
    if (!parsed.success) throw paramsError(method, parsed.error.issues);
    const rate = spec.rate;
    if (rate !== 'never') {
      const bucket = rate.bucket === 'own' ? `${caller.origin}#${method}` : caller.origin;
      if (!this.limits[spec.security].take(bucket)) {
        if (rate.onLimit === 'decline') return { pay: false, reason: 'rate_limited', message: reasonMessage('rate_limited') };
        throw new WalletError(RpcCode.LimitExceeded, 'rate_limited', reasonMessage('rate_limited'));
      }
    }
    const handler: PageHandlers<PageCaller>[M] = this.handlers[method];
    return handler(caller, parsed.data as PageParams<M>);
  }
}
