export default defineContentScript({
  matches: ['<all_urls>'],
  world: 'MAIN',
  runAt: 'document_start',
  allFrames: true,
  globalName: false,
  main() {
    (window as any).x402session = { hello: 1 };
  },
});
