import '../../ui/styles.css';
import { ApiClient } from '../../api/http-client.js';
import { browserPlatform } from '../../platform/browser-platform.js';
import { mount } from '../../platform/mount.js';
import { SetPasswordPage } from './set-password-page.js';
import { SetPasswordViewModel } from './set-password-view-model.js';

const platform = browserPlatform();
const model = new SetPasswordViewModel(new ApiClient(platform.fetch), platform);
mount(<SetPasswordPage model={model} />);
