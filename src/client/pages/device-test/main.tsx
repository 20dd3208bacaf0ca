import '../../ui/styles.css';
import { ApiClient } from '../../api/http-client.js';
import { browserPlatform } from '../../platform/browser-platform.js';
import { mount } from '../../platform/mount.js';
import { DeviceTestPage } from './device-test-page.js';
import { DeviceTestViewModel } from './device-test-view-model.js';

const platform = browserPlatform();
const model = new DeviceTestViewModel(new ApiClient(platform.fetch), platform);
mount(<DeviceTestPage model={model} />);
platform.onPageHide(() => model.dispose());
platform.onRestoredFromCache(() => platform.reload());
void model.load();
