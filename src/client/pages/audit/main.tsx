import '../../ui/styles.css';
import { ApiClient } from '../../api/http-client.js';
import { browserPlatform } from '../../platform/browser-platform.js';
import { mount } from '../../platform/mount.js';
import { AuditPage } from './audit-page.js';
import { AuditViewModel } from './audit-view-model.js';

const platform = browserPlatform();
const model = new AuditViewModel(new ApiClient(platform.fetch), platform);
mount(<AuditPage model={model} />);
void model.load();
