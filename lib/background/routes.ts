import type { PaymentOption, ParsedPaymentRequired } from '../x402/codec';

/**
 * Routes a page origin has already paid, for pre-emptive payment: the next request to the same
 * route carries the payment header on its first send, skipping the 402 round trip.
 *
 * A route is (page origin, method, resource origin + path): the header only ever goes back to the
 * exact resource origin that asked for this session's payment before, from the same page origin.
 * Memory only (bounded): after a worker restart routes are re-learnt on the next 402.
 */
export interface KnownRoute {
  sessionId: string;
  parsed: ParsedPaymentRequired;
  option: PaymentOption;
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

  constructor(private readonly max = 500) {}

  learn(pageOrigin: string, key: string, route: KnownRoute): void {
    const k = `${pageOrigin}\n${key}`;
    this.routes.delete(k);
    this.routes.set(k, route);
    if (this.routes.size > this.max) this.routes.delete(this.routes.keys().next().value!);
  }

  get(pageOrigin: string, key: string): KnownRoute | undefined {
    return this.routes.get(`${pageOrigin}\n${key}`);
  }

  forget(pageOrigin: string, key: string): void {
    this.routes.delete(`${pageOrigin}\n${key}`);
  }

  forgetSession(sessionId: string): void {
    for (const [k, r] of this.routes) if (r.sessionId === sessionId) this.routes.delete(k);
  }
}
