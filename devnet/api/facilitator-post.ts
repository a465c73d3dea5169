/** POST a JSON body to a facilitator endpoint and return its JSON object answer. */
import { isPlainObject } from '../http';

export class FacilitatorUnavailableError extends Error {
  override readonly name = 'FacilitatorUnavailableError';
}

export async function postFacilitator(url: string, body: unknown, timeoutMs: number): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new FacilitatorUnavailableError(`facilitator ${url} unreachable: ${(err as Error).message}`, { cause: err });
  }
  const data = (await res.json().catch(() => undefined)) as unknown;
  if (!isPlainObject(data)) throw new FacilitatorUnavailableError(`facilitator ${url} answered ${res.status} without a JSON object`);
  if (!res.ok) throw new FacilitatorUnavailableError(`facilitator ${url} answered ${res.status}: ${typeof data.error === 'string' ? data.error : JSON.stringify(data)}`);
  return data;
}
