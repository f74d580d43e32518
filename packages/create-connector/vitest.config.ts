import { packageTestConfig } from '../../vitest.shared.ts';

// Generating and testing four connectors takes a minute or two.
export default packageTestConfig({ testTimeout: 240_000 });
