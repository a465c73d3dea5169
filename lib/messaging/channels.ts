/** Envelope names shared by every context. Kept free of imports so page-side bundles stay tiny. */
export const PAGE_CHANNEL = 'x402session/page';
/** The long-lived port each frame's relay opens to the background (cheaper than a message each). */
export const PAGE_PORT = 'x402session/page-port';
/** Background → frames pushes. */
export const EVENT_CHANNEL = 'x402session/event';
/** Extension pages (popup, approval window, options) → background. */
export const UI_CHANNEL = 'x402session/ui';
