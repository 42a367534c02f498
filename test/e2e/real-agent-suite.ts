// What a test of the real agent CLIs makes through here (a scratch HOME, a stand-in of the
// Anthropic API, a fleet) is taken down after each test, even one that failed half-way: the fleet
// first, since its panes use the other two.
import { afterEach } from 'vitest';
import { createScratch, type Scratch } from '../helpers/claude-home.js';
import { createCliFleet, type CliFleet, type CliFleetOptions } from '../helpers/cli.js';
import {
  startMockAnthropic,
  type MockAnthropic,
  type MockAnthropicOptions,
} from '../helpers/mock-anthropic.js';
import { cleanupAndCheck } from './support.js';

export interface RealAgentSuite {
  scratch(): Promise<Scratch>;
  mock(options?: MockAnthropicOptions): Promise<MockAnthropic>;
  fleet(options?: CliFleetOptions): Promise<CliFleet>;
}

// Call inside a describe: it registers the afterEach.
export function realAgentSuite(): RealAgentSuite {
  let fleet: CliFleet | undefined;
  let scratch: Scratch | undefined;
  let mock: MockAnthropic | undefined;

  afterEach(async () => {
    try {
      await cleanupAndCheck(fleet);
    } finally {
      fleet = undefined;
      await mock?.close();
      mock = undefined;
      await scratch?.remove();
      scratch = undefined;
    }
  });

  return {
    scratch: async () => (scratch = await createScratch()),
    mock: async (options) => (mock = await startMockAnthropic(options)),
    fleet: async (options) => (fleet = await createCliFleet(options)),
  };
}
