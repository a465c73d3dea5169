import { encodeBase64Utf8 } from '../../lib/x402/base64';

export const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
export const ASSET = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
export const SPENDER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

export function sessionAccept(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    scheme: 'session',
    network: 'eip155:31337',
    amount: '100000',
    asset: ASSET,
    payTo: PAY_TO,
    maxTimeoutSeconds: 60,
    extra: { spender: SPENDER, facilitatorAddress: SPENDER, sessionsEndpoint: '/sessions', facilitatorUrl: 'http://127.0.0.1:4020' },
    ...over,
  };
}

export function paymentRequiredObject(accepts: unknown[] = [sessionAccept()], over: Record<string, unknown> = {}): Record<string, any> {
  return {
    x402Version: 2,
    error: 'Payment required',
    resource: { url: 'http://127.0.0.1:4021/api/chat', description: 'Chat', mimeType: 'application/json' },
    accepts,
    ...over,
  };
}

export function header(obj: unknown): string {
  return encodeBase64Utf8(JSON.stringify(obj));
}
