import '../../ui/styles.css';
import { ApiClient } from '../../api/http-client.js';
import { ConnectionTest } from '../../device-check/connection-test.js';
import { DeviceCheck } from '../../device-check/device-check.js';
import { browserPlatform } from '../../platform/browser-platform.js';
import { mount } from '../../platform/mount.js';
import { createSignalingSocket } from '../../ws/create-socket.js';
import { CallPage } from './call-page.js';
import { CallViewModel, type CaptureFactory } from './call-view-model.js';
import { SessionCapture } from './recording-capture.js';

const platform = browserPlatform();
const api = new ApiClient(platform.fetch);
const socket = createSignalingSocket(platform, api);
const deviceCheck = new DeviceCheck(platform);
// The doctor's recording engine is a chunk of its own, loaded when a recording starts: patients never load it.
const captureFactory: CaptureFactory = ({ report }) =>
  new SessionCapture({
    open: async () => {
      const { openBrowserRecordingSession } = await import('../../recording/browser-media.js');
      return openBrowserRecordingSession({ api, timers: platform.timers });
    },
    api,
    report,
  });
const model = new CallViewModel(api, platform, socket, deviceCheck, captureFactory);
const connection = new ConnectionTest(api, platform);
mount(<CallPage model={model} preJoin={{ check: deviceCheck, connection }} />);
platform.onPageHide(() => {
  deviceCheck.release();
  model.leave();
});
platform.onRestoredFromCache(() => platform.reload());
platform.onOnline(() => socket.reconnectNow());
void model.load();
