import '../../ui/styles.css';
import { ApiClient } from '../../api/http-client.js';
import { browserPlatform } from '../../platform/browser-platform.js';
import { mount } from '../../platform/mount.js';
import { createSignalingSocket } from '../../ws/create-socket.js';
import { AppointmentsPage } from './appointments-page.js';
import { AppointmentsViewModel } from './appointments-view-model.js';

const platform = browserPlatform();
const api = new ApiClient(platform.fetch);
const socket = createSignalingSocket(platform, api);
const model = new AppointmentsViewModel(api, platform, socket);
mount(<AppointmentsPage model={model} />);
platform.onPageHide(() => model.dispose());
platform.onRestoredFromCache(() => platform.reload());
platform.onOnline(() => socket.reconnectNow());
void model.load();
