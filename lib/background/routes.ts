import { parsePaymentRequired, type PaymentOption, type ParsedPaymentRequired } from '../x402/codec';

/**
 * Routes a page origin has already paid, for pre-emptive payment: the next request to the same
 * route carries the payment header on its first send, skipping the 402 round trip.
 *
 * A route is (page origin, method, resource origin + path): the header only ever goes back to the
 * exact resource origin that asked for this session's payment before, from the same page origin.
 * Kept in memory and mirrored (bounded) to session storage, so Chrome stopping an idle worker does
 * not make every next call pay the 402 round trip again. No secrets: the 402 text and a public id.
 */
export interface KnownRoute {
  sessionId: string;
  parsed: ParsedPaymentRequired;
  option: PaymentOption;
  /** The 402 as received, to rebuild `parsed` after a restart. */
  raw: { paymentRequired: string | null; body: string | null };
}

export interface StoredRoute {
  pageOrigin: string;
  key: string;
  sessionId: string;
  paymentRequired: string | null;
  body: string | null;
  /** Which `accepts` entry (by its index in the server's list). */
  index: number;
}

/** "POST https://api.example/v1/chat" — query and fragment ignored; null for non-http URLs. */
export function routeKey(url: string, method: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  return `${method.toUpperCase()} ${u.origin}${u.pathname}`;
}

export class RouteBook {
  private readonly routes = new Map<string, KnownRoute>();

  constructor(
    private readonly max = 500,
    /** Called after every change with the whole book (to mirror it). */
    private readonly onChange?: (routes: StoredRoute[]) => void,
  ) {}

  learn(pageOrigin: string, key: string, route: KnownRoute): void {
    const k = `${pageOrigin}\n${key}`;
    this.routes.delete(k);
    this.routes.set(k, route);
    if (this.routes.size > this.max) this.routes.delete(this.routes.keys().next().value!);
    this.changed();
  }

  /** Re-learn stored routes (after a worker restart); entries that no longer parse are dropped. */
  restore(stored: StoredRoute[]): void {
    for (const r of stored.slice(-this.max)) {
      const parsed = parsePaymentRequired({ paymentRequired: r.paymentRequired, body: r.body });
      const option = parsed.ok ? parsed.value.accepts.find((o) => o.index === r.index) : undefined;
      if (!parsed.ok || !option) continue;
      this.routes.set(`${r.pageOrigin}\n${r.key}`, { sessionId: r.sessionId, parsed: parsed.value, option, raw: { paymentRequired: r.paymentRequired, body: r.body } });
    }
  }

  private changed(): void {
    if (!this.onChange) return;
    this.onChange(
      [...this.routes].map(([k, r]) => {
        const [pageOrigin, key] = k.split('\n') as [string, string];
        return { pageOrigin, key, sessionId: r.sessionId, paymentRequired: r.raw.paymentRequired, body: r.raw.body, index: r.option.index };
      }),
    );
  }

  get(pageOrigin: string, key: string): KnownRoute | undefined {
    return this.routes.get(`${pageOrigin}\n${key}`);
  }

  forget(pageOrigin: string, key: string): void {
    if (this.routes.delete(`${pageOrigin}\n${key}`)) this.changed();
  }

  forgetSession(sessionId: string): void {
    let any = false;
    for (const [k, r] of this.routes) if (r.sessionId === sessionId) any = this.routes.delete(k) || any;
    if (any) this.changed();
  }
}
