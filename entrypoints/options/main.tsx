import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { browser } from 'wxt/browser';
import { OptionsView } from '../../components/OptionsView';
import { uiCall } from '../../components/rpc';
import '../../components/styles.css';
import type { Settings } from '../../lib/settings';

const manifest = browser.runtime.getManifest();
const about = {
  version: manifest.version,
  privacyUrl: browser.runtime.getURL('/privacy.html'),
  sourceUrl: typeof manifest.homepage_url === 'string' ? manifest.homepage_url : null,
};

function App() {
  const [settings, setSettings] = useState<Settings | null>(null);
  useEffect(() => {
    void uiCall('settings.get', {}).then(setSettings);
  }, []);
  if (!settings) return <p className="muted">Loading…</p>;
  return (
    <OptionsView
      settings={settings}
      about={about}
      onSave={async (patch) => setSettings(await uiCall('settings.set', patch))}
      // The background gathers the data (pages never read the ledger's secrets); the version says which build wrote it.
      onExport={async () => ({ ...(await uiCall('data.export', {})), extensionVersion: about.version })}
      onClear={async () => {
        const counts = await uiCall('data.clear', { confirm: 'delete-everything' });
        setSettings(await uiCall('settings.get', {}));
        return counts;
      }}
    />
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
