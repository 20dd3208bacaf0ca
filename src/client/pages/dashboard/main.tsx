import '../../ui/styles.css';
import { ApiClient } from '../../api/http-client.js';
import { browserPlatform } from '../../platform/browser-platform.js';
import { mount } from '../../platform/mount.js';
import { createSignalingSocket } from '../../ws/create-socket.js';
import { DashboardPage } from './dashboard-page.js';
import { DashboardViewModel } from './dashboard-view-model.js';

const platform = browserPlatform();
const api = new ApiClient(platform.fetch);
const socket = createSignalingSocket(platform, api);
// Minutes east of UTC: the server reads the day in the admin's own time zone.
const model = new DashboardViewModel(api, platform, socket, {
  tzOffsetMinutes: -new Date().getTimezoneOffset(),
});
mount(<DashboardPage model={model} />);
platform.onPageHide(() => model.dispose());
platform.onRestoredFromCache(() => platform.reload());
platform.onOnline(() => socket.reconnectNow());
void model.load();
