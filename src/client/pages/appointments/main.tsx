import '../../ui/styles.css';
import { ApiClient } from '../../api/http-client.js';
import { browserPlatform } from '../../platform/browser-platform.js';
import { mount } from '../../platform/mount.js';
import { AppointmentsPage } from './appointments-page.js';
import { AppointmentsViewModel } from './appointments-view-model.js';

const platform = browserPlatform();
const model = new AppointmentsViewModel(new ApiClient(platform.fetch), platform);
mount(<AppointmentsPage model={model} />);
void model.load();
