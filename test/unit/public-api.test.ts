// What `import … from 'tmuxorch'` offers: the Fleet API, errors and published schemas; none of
// the wiring (a script that reached into the controller or runtime would break on any refactor).
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

describe('the public API', () => {
  it('exports the Fleet, the errors and the schemas, and no internals', () => {
    const names = Object.keys(api);
    expect(names).toEqual(
      expect.arrayContaining(['Fleet', 'TmuxorchError', 'OUTPUT_SCHEMAS', 'outputJsonSchema']),
    );
    for (const internal of [
      'FleetController',
      'FleetRuntime',
      'RpcClient',
      'loadSettings',
      'resolveSettings',
      'openFleet',
      'RunDirectory',
      'startDaemon',
      'stopDaemon',
      'pingDaemon',
    ])
      expect(names, internal).not.toContain(internal);
    expect(api.OPERATION_NAMES).toContain('send');
  });
});
