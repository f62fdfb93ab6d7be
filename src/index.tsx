import { Route, Router } from '@solidjs/router';
import { render } from 'solid-js/web';
import { Home, Layout, SpacePage } from './app/pages';
import { startServiceWorker } from './sync/service-worker';
import './styles.css';

startServiceWorker();

render(
  () => (
    <Router root={Layout}>
      <Route path="/space/:stream/room/:room" component={SpacePage} />
      <Route path="*" component={Home} />
    </Router>
  ),
  document.getElementById('root')!,
);
