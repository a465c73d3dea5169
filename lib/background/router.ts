import { RpcCode, WalletError, toWalletError, type SerializedWalletError } from '../errors';
import { PAGE_METHODS, isPageMethod, type SecurityClass } from '../messaging/page-methods';
import { RateLimiter } from './rate-limit';
import type { PageCaller } from './sender';
import type { WalletService } from './service';

export type RouterReply = { result: unknown } | { error: SerializedWalletError };

export interface RouterOptions {
  now?: () => number;
  log?: (event: string, data: Record<string, unknown>) => void;
}

/**
 * One router for everything a web page can ask. The caller was derived from the browser's sender
 * before this point; the payload's own claims about origin or identity are never read.
 */
export class PageRouter {
  // A dapp's burst of 200 concurrent paid calls passes; a page firing 1,000 402s a second settles
  // at 50/s, in its own bucket, so other origins are untouched.
  private readonly limits: Record<SecurityClass, RateLimiter>;

  constructor(
    private readonly service: WalletService,
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
    const spec = PAGE_METHODS[method];
    const parsed = spec.params.safeParse(params ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new WalletError(RpcCode.InvalidParams, 'invalid_params', `Invalid ${method} parameters${issue ? `: ${issue.path.join('.') || 'params'} ${issue.message}` : ''}.`);
    }
    // `report` and `cancel` finish money already reserved: never rate-limit them.
    // `prepay` has its own bucket: a page asking before each call must not eat the budget of the
    // `pay`s that follow when pre-emption does not apply.
    const bucket = method === 'prepay' ? `${caller.origin}#prepay` : caller.origin;
    if (method !== 'report' && method !== 'cancel' && !this.limits[spec.security].take(bucket)) {
      if (method === 'pay' || method === 'prepay') return { pay: false, reason: 'rate_limited', message: 'Too many payment requests from this site; slow down.' };
      throw new WalletError(RpcCode.LimitExceeded, 'rate_limited', 'Too many requests from this site; slow down.');
    }
    const p = parsed.data as never;
    switch (method) {
      case 'requestSession':
        return this.service.requestSession(caller, p);
      case 'getSessions':
        return this.service.getSessions(caller);
      case 'endSession':
        await this.service.endSession(caller, (p as { id: string }).id);
        return null;
      case 'pay':
        return this.service.pay(caller, p);
      case 'report':
        return this.service.report(caller, p);
      case 'prepay':
        return this.service.prepay(caller, p);
      case 'cancel':
        return this.service.cancel(caller, p);
      case 'subscribe':
        return null;
    }
  }
}
