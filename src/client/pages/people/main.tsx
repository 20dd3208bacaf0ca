import '../../ui/styles.css';
import { ApiClient } from '../../api/http-client.js';
import { browserPlatform } from '../../platform/browser-platform.js';
import { mount } from '../../platform/mount.js';
import { PeoplePage } from './people-page.js';
import { PeopleViewModel } from './people-view-model.js';

const platform = browserPlatform();
const model = new PeopleViewModel(new ApiClient(platform.fetch), platform);
mount(<PeoplePage model={model} />);
void model.load();
