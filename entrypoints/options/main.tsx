import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { OptionsView } from '../../components/OptionsView';
import { uiCall } from '../../components/rpc';
import '../../components/styles.css';
import type { Settings } from '../../lib/settings';

function App() {
  const [settings, setSettings] = useState<Settings | null>(null);
  useEffect(() => {
    void uiCall('settings.get', {}).then(setSettings);
  }, []);
  if (!settings) return <p className="muted">Loading…</p>;
  return <OptionsView settings={settings} onSave={async (patch) => setSettings(await uiCall('settings.set', patch))} />;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
