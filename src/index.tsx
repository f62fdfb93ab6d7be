import { Route, Router } from '@solidjs/router';
import { render } from 'solid-js/web';
import { Home } from './app/home';
import { Layout } from './app/layout';
import { RoomPage } from './app/room-page';
import { SpaceHome, SpaceLayout } from './app/space-page';
import { startServiceWorker } from './sync/service-worker';
import './styles.css';

startServiceWorker();

render(
  () => (
    <Router root={Layout}>
      <Route path="/space/:stream" component={SpaceLayout}>
        <Route path="/" component={SpaceHome} />
        <Route path="/room/:room" component={() => <RoomPage view="messages" />} />
        <Route path="/room/:room/threads" component={() => <RoomPage view="threads" />} />
      </Route>
      <Route path="*" component={Home} />
    </Router>
  ),
  document.getElementById('root')!,
);
