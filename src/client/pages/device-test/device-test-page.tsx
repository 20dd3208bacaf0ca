import { CompatibilityPanel } from '../../device-check/compatibility-panel.js';
import { ConnectionTestPanel } from '../../device-check/connection-test-panel.js';
import { DeviceCheckPanel } from '../../device-check/device-check-panel.js';
import { TroubleshootingPanel } from '../../device-check/troubleshooting-panel.js';
import { SiteHeader } from '../../ui/site-header.js';
import { useViewModel } from '../../ui/use-view-model.js';
import type { DeviceTestViewModel } from './device-test-view-model.js';

export function DeviceTestPage({ model }: { model: DeviceTestViewModel }) {
  const state = useViewModel(model);
  return (
    <>
      <SiteHeader user={state.user} onSignOut={() => void model.signOut()} signingOut={state.signingOut} />
      <main id="main" class="page">
        <p class="breadcrumb">
          <a href={state.backHref}>Back</a>
        </p>
        <h1>Test your camera, microphone and connection</h1>
        <p class="lead">Check everything before your call: it takes a minute, and nothing is recorded.</p>
        {state.signedIn === false && (
          <p class="alert alert--info">
            You are not signed in. The camera, microphone and browser checks work; for the connection test,{' '}
            <a href={state.signInHref}>sign in</a> or open your call link first.
          </p>
        )}
        {state.error && (
          <p role="alert" class="alert alert--error">
            {state.error}
          </p>
        )}
        <div class="device-test">
          <section class="card stack" aria-labelledby="devices-heading">
            <h2 id="devices-heading">Camera, microphone and speaker</h2>
            <DeviceCheckPanel model={model.devices} />
          </section>
          <CompatibilityPanel checks={state.checks} />
        </div>
        <div class="device-test">
          <ConnectionTestPanel model={model.connection} />
          <TroubleshootingPanel matched={state.tips.matched} other={state.tips.other} />
        </div>
      </main>
    </>
  );
}
