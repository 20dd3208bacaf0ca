import '../../ui/styles.css';
import { ApiClient } from '../../api/http-client.js';
import { browserPlatform } from '../../platform/browser-platform.js';
import { mount } from '../../platform/mount.js';
import { createSignalingSocket } from '../../ws/create-socket.js';
import { sendRecordingLeftovers } from '../recording-leftovers.js';
import { AdminAppointmentsViewModel } from './admin-appointments-view-model.js';
import { AppointmentsPage } from './appointments-page.js';
import { AppointmentsViewModel } from './appointments-view-model.js';

const platform = browserPlatform();
const api = new ApiClient(platform.fetch);
const socket = createSignalingSocket(platform, api);
const model = new AppointmentsViewModel(api, platform, socket);
// Minutes east of UTC: the server reads a day in the admin's own time zone.
const admin = new AdminAppointmentsViewModel(api, -new Date().getTimezoneOffset());
mount(<AppointmentsPage model={model} admin={admin} />);
platform.onPageHide(() => model.dispose());
platform.onRestoredFromCache(() => platform.reload());
platform.onOnline(() => socket.reconnectNow());
void model.load().then(() => {
  const user = model.state.user;
  if (user?.role === 'admin' && user.hospitalId) void admin.load(user.hospitalId);
  sendRecordingLeftovers(user, api, platform.timers);
});
