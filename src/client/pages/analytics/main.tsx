import '../../ui/styles.css';
import 'uplot/dist/uPlot.min.css';
import './analytics.css';
import { ApiClient } from '../../api/http-client.js';
import { browserPlatform } from '../../platform/browser-platform.js';
import { mount } from '../../platform/mount.js';
import { AnalyticsPage } from './analytics-page.js';
import { AnalyticsViewModel } from './analytics-view-model.js';

const platform = browserPlatform();
// The admin's own time zone: the server counts days in it, daylight saving changes included.
const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const model = new AnalyticsViewModel(new ApiClient(platform.fetch), platform, timeZone);
mount(<AnalyticsPage model={model} />);
void model.load();
