export function renderPrivacy(markdown: string): string;
