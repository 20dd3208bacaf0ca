import '../../ui/styles.css';
import { ApiClient } from '../../api/http-client.js';
import { browserPlatform } from '../../platform/browser-platform.js';
import { mount } from '../../platform/mount.js';
import { PolicyPage } from './policy-page.js';
import { PolicyViewModel } from './policy-view-model.js';

const platform = browserPlatform();
const model = new PolicyViewModel(new ApiClient(platform.fetch), platform);
mount(<PolicyPage model={model} />);
void model.load();
