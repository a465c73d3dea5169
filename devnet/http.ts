/** Express plumbing shared by the facilitator, the paid API and the dapp server. */
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';

/** A client mistake with the HTTP status and `{ error }` text to answer. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface CorsPolicy {
  /** Request headers a page may send; `'reflect'` allows whatever the preflight asks for. */
  allowHeaders: string[] | 'reflect';
  exposeHeaders?: string[];
  allowMethods?: string[];
}

/**
 * `Access-Control-Allow-Origin: *` on every response, and a 204 answer to every preflight,
 * before any other middleware can refuse the request.
 */
export function cors(policy: CorsPolicy): RequestHandler {
  const allowMethods = (policy.allowMethods ?? ['GET', 'POST', 'OPTIONS']).join(', ');
  return (req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (policy.exposeHeaders?.length) res.setHeader('Access-Control-Expose-Headers', policy.exposeHeaders.join(', '));
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', allowMethods);
      const requested = req.header('Access-Control-Request-Headers');
      const allowHeaders = policy.allowHeaders === 'reflect' ? (requested ?? 'Content-Type') : policy.allowHeaders.join(', ');
      res.setHeader('Access-Control-Allow-Headers', allowHeaders);
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}

/**
 * JSON bodies whatever their Content-Type: pages often post `text/plain` to avoid a preflight,
 * and a facilitator should not reject a well-formed body over a header.
 */
export function jsonBody(): RequestHandler {
  return express.json({ type: () => true, limit: '64kb', strict: false });
}

/** Last middleware: malformed JSON and HttpErrors become `{ error }`; anything else is a 500. */
export function errorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (res.headersSent) return;
    const e = err as { type?: string; status?: number; message?: string };
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: err.message });
    } else if (e.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'body is not valid JSON' });
    } else if (e.type === 'entity.too.large') {
      res.status(413).json({ error: 'body is too large' });
    } else if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ error: e.message ?? 'bad request' });
    } else {
      log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      res.status(500).json({ error: 'internal error' });
    }
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
