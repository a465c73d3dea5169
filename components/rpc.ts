import { browser } from 'wxt/browser';
import { UI_CHANNEL } from '../lib/messaging/channels';
import type { UiMethod, UiParams, UiResults } from '../lib/messaging/methods';

/** Send a command to the background; throws its error message. Extension pages never write the ledger. */
export async function uiCall<M extends UiMethod>(method: M, params: UiParams<M>): Promise<UiResults[M]> {
  const reply = (await browser.runtime.sendMessage({ channel: UI_CHANNEL, method, params })) as { result?: UiResults[M]; error?: { message: string } } | undefined;
  if (!reply) throw new Error('The wallet background did not answer.');
  if (reply.error) throw new Error(reply.error.message);
  return reply.result as UiResults[M];
}
