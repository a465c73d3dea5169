import type { PageCaller } from './sender';

/**
 * The live connection of each frame that talked to us, by origin, so `sessionChanged` reaches
 * exactly the frames of that origin (a cross-origin iframe gets its own origin's events, never its
 * parent's). Memory only: after a worker restart frames reconnect on their next call.
 */
export class FrameRegistry<T> {
  private readonly byOrigin = new Map<string, Map<string, T>>();

  add(c: PageCaller, handle: T): void {
    let frames = this.byOrigin.get(c.origin);
    if (!frames) this.byOrigin.set(c.origin, (frames = new Map()));
    frames.set(`${c.tabId}:${c.frameId}`, handle);
  }

  forOrigin(origin: string): T[] {
    return [...(this.byOrigin.get(origin)?.values() ?? [])];
  }

  /** Tabs with a frame of this origin (badge updates). */
  tabsOf(origin: string): number[] {
    return [...new Set([...(this.byOrigin.get(origin)?.keys() ?? [])].map((k) => Number(k.split(':')[0])))];
  }

  remove(handle: T): void {
    for (const [origin, frames] of this.byOrigin) {
      for (const [k, h] of frames) if (h === handle) frames.delete(k);
      if (frames.size === 0) this.byOrigin.delete(origin);
    }
  }

  removeTab(tabId: number): void {
    for (const [origin, frames] of this.byOrigin) {
      for (const k of frames.keys()) if (k.startsWith(`${tabId}:`)) frames.delete(k);
      if (frames.size === 0) this.byOrigin.delete(origin);
    }
  }
}
