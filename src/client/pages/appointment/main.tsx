import '../../ui/styles.css';
import { ApiClient } from '../../api/http-client.js';
import { browserPlatform } from '../../platform/browser-platform.js';
import { mount } from '../../platform/mount.js';
import { createSignalingSocket } from '../../ws/create-socket.js';
import { sendRecordingLeftovers } from '../recording-leftovers.js';
import { AppointmentPage } from './appointment-page.js';
import { AppointmentViewModel } from './appointment-view-model.js';

const platform = browserPlatform();
const api = new ApiClient(platform.fetch);
const socket = createSignalingSocket(platform, api);
const model = new AppointmentViewModel(api, platform, socket);
mount(<AppointmentPage model={model} />);
platform.onPageHide(() => model.dispose());
platform.onRestoredFromCache(() => platform.reload());
platform.onOnline(() => socket.reconnectNow());
void model.load().then(() => sendRecordingLeftovers(model.state.user, api, platform.timers));
