import type { PageCaller } from './sender';

/**
 * Frames that talked to us, by origin, so `sessionChanged` can be pushed to exactly the frames of
 * that origin (a cross-origin iframe gets its own origin's events, never its parent's). Memory
 * only: after a worker restart frames re-register on their next call.
 */
export class FrameRegistry {
  private readonly byOrigin = new Map<string, Map<string, { tabId: number; frameId: number }>>();

  add(c: PageCaller): void {
    let frames = this.byOrigin.get(c.origin);
    if (!frames) this.byOrigin.set(c.origin, (frames = new Map()));
    frames.set(`${c.tabId}:${c.frameId}`, { tabId: c.tabId, frameId: c.frameId });
  }

  forOrigin(origin: string): { tabId: number; frameId: number }[] {
    return [...(this.byOrigin.get(origin)?.values() ?? [])];
  }

  remove(tabId: number, frameId?: number): void {
    for (const frames of this.byOrigin.values()) {
      for (const [k, f] of frames) if (f.tabId === tabId && (frameId === undefined || f.frameId === frameId)) frames.delete(k);
    }
  }
}
