import '../../ui/styles.css';
import { ApiClient } from '../../api/http-client.js';
import { browserPlatform } from '../../platform/browser-platform.js';
import { mount } from '../../platform/mount.js';
import { LoginPage } from './login-page.js';
import { LoginViewModel } from './login-view-model.js';

const platform = browserPlatform();
const model = new LoginViewModel(new ApiClient(platform.fetch), platform);
mount(<LoginPage model={model} />);
