// Tests call the app's console handle (`window.roomy`, see docs/worker-manager.md) inside the page.
import type { RoomyHandle } from '../src/db/index';

declare global {
  interface Window {
    roomy: RoomyHandle;
  }
}
