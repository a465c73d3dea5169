import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Serves the hostile 402 corpus (hostile-402.json) on its own origin, with CORS that lets the page
 * read PAYMENT-REQUIRED (the wallet must refuse on the merits, not because it could not see).
 * Records every request that arrives carrying a payment header: for the corpus that must be none.
 */
export interface CorpusCase {
  id: string;
  category: string;
  description: string;
  expect: string;
  header?: Record<string, any>;
  body?: Record<string, any>;
  contentType?: string;
  /** Served from a second origin of the same server (http://localhost:<port>): one the session was not approved for. */
  from?: 'other-origin';
}

export interface TemplateContext {
  payTo: string;
  asset: string;
  network: string;
  spender: string;
  facilitator: string;
  /** EVM only: `extra.chainId` of the valid entry. */
  chainId?: number;
  /** More placeholders, written `${NAME}` in the corpus (e.g. a muxed form of the recipient). */
  vars?: Record<string, string>;
  /** The token's EIP-712 domain (exact / upto cases) and the `upto` facilitator. */
  tokenName?: string;
  tokenVersion?: string;
  uptoFacilitator?: string;
}

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Expand placeholders; builds with spread/defineProperty so `__proto__` keys stay plain data. */
function expand(v: unknown, ctx: TemplateContext & { url: string }): unknown {
  if (typeof v === 'string') {
    const map: Record<string, string> = {
      $PAYTO: ctx.payTo,
      $ASSET: ctx.asset,
      $NETWORK: ctx.network,
      $SPENDER: ctx.spender,
      $FACILITATOR: ctx.facilitator,
      $URL: ctx.url,
      $TOKEN_NAME: ctx.tokenName ?? '',
      $TOKEN_VERSION: ctx.tokenVersion ?? '',
      $UPTO_FACILITATOR: ctx.uptoFacilitator ?? '',
    };
    const vars = ctx.vars ?? {};
    return v
      .replace(/\$\{([A-Z0-9_]+)\}/g, (m, name: string) => (own(vars, name) ? vars[name]! : m))
      .replace(/\$(PAYTO|ASSET|NETWORK|SPENDER|UPTO_FACILITATOR|FACILITATOR|URL|TOKEN_NAME|TOKEN_VERSION)/g, (m) => map[m]!);
  }
  if (Array.isArray(v)) return v.map((x) => expand(x, ctx));
  if (v && typeof v === 'object') {
    if (own(v, '$repeat')) {
      const [ch, n] = (v as { $repeat: [string, number] }).$repeat;
      return ch.repeat(n);
    }
    if (own(v, '$ACCEPT')) return merge(validAccept(ctx), expand((v as { $ACCEPT: object }).$ACCEPT, ctx) as object);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: expand((v as Record<string, unknown>)[k], ctx), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

function merge(base: Record<string, unknown>, over: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) out[k] = v;
  for (const k of Object.keys(over)) {
    const v = (over as Record<string, unknown>)[k];
    if (v === '$DELETE') delete out[k];
    else Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function validAccept(ctx: TemplateContext): Record<string, unknown> {
  return {
    scheme: 'session',
    network: ctx.network,
    amount: '10000',
    asset: ctx.asset,
    payTo: ctx.payTo,
    maxTimeoutSeconds: 60,
    extra: { areFeesSponsored: true, facilitatorAddress: ctx.spender, spender: ctx.spender, sessionsEndpoint: '/sessions', ...(ctx.chainId !== undefined ? { chainId: ctx.chainId } : {}), facilitatorUrl: ctx.facilitator },
  };
}

function validRequired(ctx: TemplateContext & { url: string }, accepts: unknown[]): Record<string, unknown> {
  return { x402Version: 2, error: 'Payment required', resource: { url: ctx.url, description: 'hostile corpus', mimeType: 'application/json' }, accepts };
}

function validV1(ctx: TemplateContext & { url: string }, accept: Record<string, unknown>): Record<string, unknown> {
  return {
    x402Version: 1,
    error: 'X-PAYMENT header is required',
    accepts: [merge({ scheme: 'session', network: ctx.network, maxAmountRequired: '10000', asset: ctx.asset, payTo: ctx.payTo, resource: ctx.url, description: 'hostile corpus', mimeType: 'application/json', maxTimeoutSeconds: 60, extra: { spender: ctx.spender, facilitatorUrl: ctx.facilitator } }, accept)],
  };
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

function buildHeader(spec: Record<string, any>, ctx: TemplateContext & { url: string }): string {
  if (own(spec, 'raw')) return spec.raw as string;
  if (own(spec, 'utf8')) return b64(spec.utf8 as string);
  if (own(spec, 'bytesHex')) return b64(Buffer.from(spec.bytesHex as string, 'hex'));
  if (own(spec, 'repeat')) return (spec.repeat[0] as string).repeat(spec.repeat[1] as number);
  let obj: unknown;
  if (own(spec, 'accept')) obj = validRequired(ctx, [merge(validAccept(ctx), expand(spec.accept, ctx) as object)]);
  else if (own(spec, 'pr')) obj = merge(validRequired(ctx, [validAccept(ctx)]), expand(spec.pr, ctx) as object);
  else if (own(spec, 'acceptsRepeat')) obj = validRequired(ctx, Array.from({ length: spec.acceptsRepeat as number }, () => validAccept(ctx)));
  else throw new Error(`unknown header spec ${JSON.stringify(spec).slice(0, 80)}`);
  let text = JSON.stringify(obj);
  const enc = spec.encoding as string | undefined;
  if (enc === 'bom') return b64(`\uFEFF${text}`);
  // Shape the JSON so the mangling below really changes the base64 (padding present, etc.).
  while (enc === 'nopad' && text.length % 3 === 0) text += ' ';
  let out = b64(text);
  if (enc === 'base64url') out = `${out.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}-_`;
  if (enc === 'nopad') out = out.replace(/=+$/, '');
  if (enc === 'space') out = `${out.slice(0, 8)} ${out.slice(8)}`;
  if (enc === 'cut3') out = out.slice(0, out.length - 3);
  if (enc === 'cut8') out = out.slice(0, Math.floor(out.length / 4) * 4 - 8);
  return out;
}

function buildBody(spec: Record<string, any> | undefined, ctx: TemplateContext & { url: string }): string {
  if (!spec) return '{}';
  if (own(spec, 'raw')) return spec.raw as string;
  if (own(spec, 'rawParts')) return (spec.rawParts as unknown[]).map((p) => expand(p, ctx) as string).join('');
  if (own(spec, 'v1accept')) return JSON.stringify(validV1(ctx, expand(spec.v1accept, ctx) as Record<string, unknown>));
  if (own(spec, 'v1')) return JSON.stringify(merge(validV1(ctx, {}), expand(spec.v1, ctx) as object));
  throw new Error(`unknown body spec ${JSON.stringify(spec).slice(0, 80)}`);
}

export async function startHostileServer(cases: CorpusCase[], ctx: TemplateContext) {
  const byId = new Map(cases.map((c) => [c.id, c]));
  const paidAttempts: string[] = [];
  const served = new Map<string, { header: string | null; body: string }>();
  const server = http.createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': 'content-type, payment-signature, x-payment',
      'access-control-expose-headers': 'payment-required, payment-response, x-payment-response',
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      return void res.end();
    }
    const id = decodeURIComponent((req.url ?? '').replace(/^\/case\//, '').split('?')[0]!);
    const c = byId.get(id);
    if (!c) {
      res.writeHead(404, cors);
      return void res.end();
    }
    if (req.headers['payment-signature'] || req.headers['x-payment']) {
      paidAttempts.push(id);
      res.writeHead(200, { ...cors, 'content-type': 'application/json' });
      return void res.end('{"paid":true}');
    }
    const url = urlOf(id);
    const full = { ...ctx, url };
    const header = c.header ? buildHeader(c.header, full) : null;
    const body = buildBody(c.body, full);
    served.set(id, { header, body });
    const headers: Record<string, string> = { ...cors, 'content-type': c.contentType ?? 'application/json' };
    if (header !== null) headers['payment-required'] = header;
    try {
      res.writeHead(402, headers);
      res.end(body);
    } catch (e) {
      // Node refuses some header values outright (e.g. NUL bytes); that is a case the browser never sees.
      res.destroy(e as Error);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const other = `http://localhost:${port}`;
  function urlOf(id: string): string {
    return `${byId.get(id)?.from === 'other-origin' ? other : base}/case/${encodeURIComponent(id)}`;
  }
  return {
    base,
    urlOf,
    paidAttempts,
    served,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
