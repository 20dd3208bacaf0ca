import '../../ui/styles.css';
import { ApiClient } from '../../api/http-client.js';
import { browserPlatform } from '../../platform/browser-platform.js';
import { mount } from '../../platform/mount.js';
import { PeoplePage } from './people-page.js';
import { PeopleViewModel } from './people-view-model.js';
import { ReassignViewModel } from './reassign-view-model.js';

const platform = browserPlatform();
const api = new ApiClient(platform.fetch);
const model = new PeopleViewModel(api, platform);
mount(<PeoplePage model={model} giveTo={new ReassignViewModel(api)} />);
void model.load();
